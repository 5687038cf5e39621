namespace Report.Catalog;

/// <summary>Reads a ResultRow Param, "key=value;key=value", into a dictionary (a part without '=' is ignored).</summary>
public static class ParamText
{
    public static Dictionary<string, string> Parse(string param)
    {
        var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in param.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = part.IndexOf('=');
            if (eq > 0) d[part[..eq].Trim()] = part[(eq + 1)..].Trim();
        }
        return d;
    }
}
