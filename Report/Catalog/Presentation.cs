namespace Report.Catalog;

/// <summary>How an experiment's rows are shown: as charts against cores, or as tables only.</summary>
public enum Presentation { Charts, Tables }
