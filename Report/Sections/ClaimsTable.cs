using Report.Claims;
using Report.Html;

namespace Report.Sections;

/// <summary>The claims page: each claim, the numbers behind it and its verdict, for one run or two side by side.</summary>
public static class ClaimsTable
{
    public static void Write(HtmlWriter w, RunFolder run)
    {
        w.H2("The paper's claims in this run");
        Table(w, PaperClaims.All, run);
        w.H3("The reproduction's own targets");
        Table(w, PaperClaims.Checks, run);
        w.P("Each verdict is computed from this run's CSV rows by the rule shown (Report/Claims/PaperClaims.cs); failed and skipped points never count.", "muted");
    }

    static void Table(HtmlWriter w, IReadOnlyList<Claim> claims, RunFolder run)
    {
        w.Open("table", "claims").Open("thead").Open("tr");
        foreach (var h in new[] { "Claim", "Measured here", "Verdict" }) w.Element("th", h);
        w.Close("tr").Close("thead").Open("tbody");
        foreach (var c in claims)
        {
            ClaimCell(w.Open("tr"), c);
            ResultCells(w, c.Evaluate(run));
            w.Close("tr");
        }
        w.Close("tbody").Close("table");
    }

    /// <summary>Two runs: the claim, then run A's and run B's numbers and verdict.</summary>
    public static void WritePair(HtmlWriter w, RunFolder a, RunFolder b)
    {
        w.H2("The paper's claims in the two runs");
        PairTable(w, PaperClaims.All, a, b);
        w.H3("The reproduction's own targets");
        PairTable(w, PaperClaims.Checks, a, b);
    }

    static void PairTable(HtmlWriter w, IReadOnlyList<Claim> claims, RunFolder a, RunFolder b)
    {
        w.Open("table", "claims").Open("thead").Open("tr");
        foreach (var h in new[] { "Claim", $"A: {a.Name}", "A", $"B: {b.Name}", "B" }) w.Element("th", h);
        w.Close("tr").Close("thead").Open("tbody");
        foreach (var c in claims)
        {
            ClaimCell(w.Open("tr"), c);
            foreach (var run in new[] { a, b }) ResultCells(w, c.Evaluate(run));
            w.Close("tr");
        }
        w.Close("tbody").Close("table");
    }

    /// <summary>The claim, with its source and rule beneath it.</summary>
    static void ClaimCell(HtmlWriter w, Claim c) =>
        w.Open("td").Text(c.Statement).Element("div", $"{c.Source}; rule: {c.Rule}", "rule").Close("td");

    /// <summary>The numbers behind a verdict (and why, where it could not be judged), then the verdict itself.</summary>
    static void ResultCells(HtmlWriter w, ClaimResult r)
    {
        w.Open("td").Text(r.Numbers.Length > 0 ? r.Numbers : "-");
        if (r.Reason.Length > 0) w.Element("div", r.Reason, "reason");
        w.Close("td");
        w.Element("td", r.Label, $"verdict {Css(r.Verdict)}");
    }

    static string Css(Verdict v) => v switch
    {
        Verdict.Holds => "holds",
        Verdict.DoesNotHold => "fails",
        Verdict.NotTestable => "untestable",
        _ => "unmeasured",
    };
}
