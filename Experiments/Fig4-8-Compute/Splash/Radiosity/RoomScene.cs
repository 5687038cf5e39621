using System.Globalization;

namespace Splash.Radiosity;

/// <summary>
/// Hanrahan's room, RADIOSITY's <c>-room</c> scene: 216 polygons (134 parallelograms, 82 triangles, 8 of them emitting),
/// read from the embedded room-scene.csv (values as the original source gives them; each is read as a double, then
/// rounded to float, as the C compiler does with a double literal stored in a float).
/// </summary>
public static class RoomScene
{
    const string Resource = "Splash.Radiosity.room-scene.csv";

    static readonly Lazy<IReadOnlyList<ScenePolygon>> s_polygons = new(Load);

    public static IReadOnlyList<ScenePolygon> Polygons => s_polygons.Value;

    static IReadOnlyList<ScenePolygon> Load()
    {
        using var stream = typeof(RoomScene).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"the room scene resource {Resource} is missing from the Splash assembly");
        using var reader = new StreamReader(stream);
        var polygons = new List<ScenePolygon>();
        bool header = false;
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0 || line[0] == '#') continue;
            if (!header) { header = true; continue; }
            var f = line.Split(',');
            if (f.Length != 16) throw new InvalidDataException($"{Resource} line {lineNumber}: {f.Length} fields, expected 16");
            bool parallelogram = f[0] switch
            {
                "rectangle" => true,
                "triangle" => false,
                _ => throw new InvalidDataException($"{Resource} line {lineNumber}: kind '{f[0]}' is neither rectangle nor triangle"),
            };
            float F(int i) => (float)double.Parse(f[i], NumberStyles.Float, CultureInfo.InvariantCulture);
            polygons.Add(new ScenePolygon(parallelogram,
                new Rgb(F(1), F(2), F(3)), new Rgb(F(4), F(5), F(6)),
                new Vertex(F(7), F(8), F(9)), new Vertex(F(10), F(11), F(12)), new Vertex(F(13), F(14), F(15))));
        }
        return polygons;
    }
}
