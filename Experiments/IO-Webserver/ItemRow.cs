namespace IOWebserver;

/// <summary>One item of the TPC-W-like catalogue with its author, as the product-detail query returns it.</summary>
public sealed record ItemRow(long Id, string Title, string AuthorFirst, string AuthorLast, string Publisher, string Subject, string Description,
                             double Cost, double Srp, string Isbn, int Pages, string Backing, string PubDate);
