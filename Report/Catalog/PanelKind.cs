namespace Report.Catalog;

/// <summary>How a panel draws its rows.</summary>
public enum PanelKind
{
    /// <summary>Curves against the number of cores, one per series.</summary>
    Lines,
    /// <summary>Grouped bars: the x category is the Series before '/', the bar the part after it (e.g. "web static/mk").</summary>
    Bars,
    /// <summary>No chart: every row in a table (the paper's tables).</summary>
    Table,
    /// <summary>Not drawn and not in the PDF: rows the figure owns (e.g. Mop/s beside seconds) listed only in the HTML's full rows.</summary>
    Listed,
}
