using System.Globalization;
using System.Net;
using System.Text;

namespace IOWebserver;

/// <summary>The HTML product-detail page of one item, the same bytes from the multikernel server and from Kestrel.</summary>
public static class ItemPage
{
    public static readonly byte[] NotFound = "<html><body><h1>No such item</h1></body></html>\n"u8.ToArray();

    public static string Render(ItemRow i) => string.Create(CultureInfo.InvariantCulture, $"""
        <!DOCTYPE html>
        <html><head><title>{E(i.Title)}</title></head><body>
        <h1>{E(i.Title)}</h1>
        <p>by {E(i.AuthorFirst)} {E(i.AuthorLast)}</p>
        <table>
        <tr><td>Subject</td><td>{E(i.Subject)}</td></tr>
        <tr><td>Publisher</td><td>{E(i.Publisher)}</td></tr>
        <tr><td>Published</td><td>{E(i.PubDate)}</td></tr>
        <tr><td>ISBN</td><td>{E(i.Isbn)}</td></tr>
        <tr><td>Pages</td><td>{i.Pages}</td></tr>
        <tr><td>Backing</td><td>{E(i.Backing)}</td></tr>
        <tr><td>List price</td><td>${i.Srp:0.00}</td></tr>
        <tr><td>Our price</td><td>${i.Cost:0.00}</td></tr>
        </table>
        <p>{E(i.Description)}</p>
        <p><a href="/item?id={i.Id % 1000 + 1}">Next item</a></p>
        </body></html>

        """);

    public static byte[] Bytes(ItemRow i) => Encoding.UTF8.GetBytes(Render(i));

    static string E(string s) => WebUtility.HtmlEncode(s);
}
