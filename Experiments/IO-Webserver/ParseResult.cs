namespace IOWebserver;

/// <summary>Outcome of trying to parse a request at the start of an inbox.</summary>
public enum ParseResult { Complete, Incomplete, Malformed }
