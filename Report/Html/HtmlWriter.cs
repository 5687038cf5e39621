using System.Net;
using System.Text;

namespace Report.Html;

/// <summary>Appends HTML to a buffer; every text argument is escaped, only <see cref="Raw"/> is taken as markup.</summary>
public sealed class HtmlWriter
{
    readonly StringBuilder _b = new();

    public static string Encode(string text) => WebUtility.HtmlEncode(text);

    public HtmlWriter Raw(string html) { _b.Append(html); return this; }
    public HtmlWriter Open(string tag, string? cssClass = null, string? id = null)
    {
        _b.Append('<').Append(tag);
        if (id is not null) _b.Append(" id=\"").Append(Encode(id)).Append('"');
        if (cssClass is not null) _b.Append(" class=\"").Append(Encode(cssClass)).Append('"');
        _b.Append('>');
        return this;
    }
    public HtmlWriter Close(string tag) { _b.Append("</").Append(tag).Append(">\n"); return this; }
    public HtmlWriter Element(string tag, string text, string? cssClass = null) => Open(tag, cssClass).Text(text).Close(tag);
    public HtmlWriter Text(string text) { _b.Append(Encode(text)); return this; }
    public HtmlWriter H1(string text) => Element("h1", text);
    public HtmlWriter H2(string text) => Element("h2", text);
    public HtmlWriter H3(string text) => Element("h3", text);
    public HtmlWriter P(string text, string? cssClass = null) => Element("p", text, cssClass);

    /// <summary>A paragraph with a bold lead-in, e.g. "Measured: ...".</summary>
    public HtmlWriter Labelled(string label, string text, string? cssClass = null) =>
        Open("p", cssClass).Open("strong").Text(label).Close("strong").Text(" " + text).Close("p");

    public HtmlWriter List(IEnumerable<string> items, string? cssClass = null)
    {
        Open("ul", cssClass);
        foreach (var i in items) Element("li", i);
        return Close("ul");
    }

    public HtmlWriter Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows, string? cssClass = null)
    {
        Open("table", cssClass).Open("thead").Open("tr");
        foreach (var h in header) Element("th", h);
        Close("tr").Close("thead").Open("tbody");
        foreach (var row in rows)
        {
            Open("tr");
            foreach (var cell in row) Element("td", cell);
            Close("tr");
        }
        return Close("tbody").Close("table");
    }

    /// <summary>A table whose rows may carry a long note, shown as a full-width line under the row.</summary>
    public HtmlWriter TableWithNotes(IReadOnlyList<string> header, IEnumerable<(IReadOnlyList<string> Cells, string Note)> rows, string? cssClass = null)
    {
        Open("table", cssClass).Open("thead").Open("tr");
        foreach (var h in header) Element("th", h);
        Close("tr").Close("thead").Open("tbody");
        foreach (var (cells, note) in rows)
        {
            Open("tr", note.Length > 0 ? "has-note" : null);
            foreach (var cell in cells) Element("td", cell);
            Close("tr");
            if (note.Length > 0)
                Raw($"<tr class=\"note\"><td colspan=\"{header.Count}\">").Text(note).Raw("</td></tr>\n");
        }
        return Close("tbody").Close("table");
    }

    public override string ToString() => _b.ToString();
}
