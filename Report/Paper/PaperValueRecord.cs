using CsvHelper;

namespace Report.Paper;

/// <summary>A raw line of paper-values.csv, before its numbers are checked.</summary>
[CsvRecord]
internal sealed partial class PaperValueRecord
{
    public string Figure { get; set; } = "";
    public string Series { get; set; } = "";
    public string Machine { get; set; } = "";
    public string Cores { get; set; } = "";
    public string Value { get; set; } = "";
    public string Unit { get; set; } = "";
    public string Precision { get; set; } = "";
    public string Note { get; set; } = "";
}
