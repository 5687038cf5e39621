using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Report.Input;

/// <summary>
/// Finds an explicit JSON null that a deserialised meta.json left where the report needs a value: a string, list or
/// object property, or an element of a list. A property missing from the file keeps its default (never null); only a
/// "null" written in its place leaves one, and the report reads these values without null checks.
/// </summary>
public static class NullFields
{
    /// <summary>The JSON path of the first null in <paramref name="value"/> (e.g. "notes", "experiments[1].folders"), or null if none.</summary>
    public static string? First(object value, string prefix = "")
    {
        foreach (var p in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.PropertyType.IsValueType || p.GetIndexParameters().Length > 0) continue;
            string name = prefix + (p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(p.Name));
            object? v = p.GetValue(value);
            if (v is null) return name;
            if (v is string || v is not IEnumerable items) continue;
            int i = 0;
            foreach (var item in items)
            {
                if (item is null) return $"{name}[{i}]";
                if (item is not string && !item.GetType().IsValueType && First(item, $"{name}[{i}].") is { } inner) return inner;
                i++;
            }
        }
        return null;
    }
}
