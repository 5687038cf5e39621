namespace Report.Input;

/// <summary>Input the report cannot use: the message names the path and what is wrong with it.</summary>
public sealed class ReportInputException(string message, Exception? inner = null) : Exception(message, inner);
