namespace PdfCheck;

/// <summary>
/// Finds the chart panels on a rendered page by the report's plot-area background (Report/Charts/PanelChart.
/// PlotBackground, a pale blue-grey nothing else in the report uses): connected regions of that colour, merged where
/// grid lines, curves or bars cut one plot area into pieces, and kept if large enough to be a plot area.
/// </summary>
public static class PanelFinder
{
    /// <summary>The plot-area background (a copy of PanelChart.PlotBackground; a test keeps them equal).</summary>
    public const string PlotBackground = "#f4f7fb";
    /// <summary>Largest difference per channel still counted as the background (pdftoppm renders flat fills exactly).</summary>
    public const int Tolerance = 2;
    /// <summary>Pieces closer than this (pixels) belong to one plot area.</summary>
    public const int MergeGap = 4;
    /// <summary>Smallest plot area, in pixels at 72 dpi (a panel's plot area is about 200 x 160 there).</summary>
    public const int MinWidth = 60, MinHeight = 40;

    static readonly (int R, int G, int B) Bg = (Convert.ToInt32(PlotBackground[1..3], 16), Convert.ToInt32(PlotBackground[3..5], 16), Convert.ToInt32(PlotBackground[5..7], 16));

    public static bool IsBackground(int r, int g, int b) =>
        Math.Abs(r - Bg.R) <= Tolerance && Math.Abs(g - Bg.G) <= Tolerance && Math.Abs(b - Bg.B) <= Tolerance;

    public static IReadOnlyList<PanelArea> Find(int page, PngImage img, Func<int, int, int, bool> isSeriesColour)
    {
        int w = img.Width, h = img.Height;
        var seen = new bool[w * h];
        var boxes = new List<(int L, int T, int R, int B)>();
        var stack = new Stack<int>();
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int i = y * w + x;
                if (seen[i]) continue;
                var (r, g, b) = img[x, y];
                if (!IsBackground(r, g, b)) continue;
                int l = x, t = y, rr = x, bb = y;
                seen[i] = true;
                stack.Push(i);
                while (stack.Count > 0)
                {
                    int j = stack.Pop();
                    int px = j % w, py = j / w;
                    l = Math.Min(l, px); rr = Math.Max(rr, px); t = Math.Min(t, py); bb = Math.Max(bb, py);
                    foreach (var (nx, ny) in new[] { (px + 1, py), (px - 1, py), (px, py + 1), (px, py - 1) })
                    {
                        if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
                        int k = ny * w + nx;
                        if (seen[k]) continue;
                        var (cr, cg, cb) = img[nx, ny];
                        if (!IsBackground(cr, cg, cb)) continue;
                        seen[k] = true;
                        stack.Push(k);
                    }
                }
                boxes.Add((l, t, rr, bb));
            }
        // Merge pieces of one plot area: boxes that overlap or lie within MergeGap of each other.
        bool merged = true;
        while (merged)
        {
            merged = false;
            for (int a = 0; a < boxes.Count && !merged; a++)
                for (int c = a + 1; c < boxes.Count && !merged; c++)
                {
                    var (p, q) = (boxes[a], boxes[c]);
                    if (p.L - MergeGap <= q.R && q.L - MergeGap <= p.R && p.T - MergeGap <= q.B && q.T - MergeGap <= p.B)
                    {
                        boxes[a] = (Math.Min(p.L, q.L), Math.Min(p.T, q.T), Math.Max(p.R, q.R), Math.Max(p.B, q.B));
                        boxes.RemoveAt(c);
                        merged = true;
                    }
                }
        }
        var panels = new List<PanelArea>();
        foreach (var (l, t, r, b) in boxes.Where(x => x.R - x.L + 1 >= MinWidth && x.B - x.T + 1 >= MinHeight).OrderBy(x => x.T).ThenBy(x => x.L))
        {
            int count = 0;
            for (int y = t; y <= b; y++)
                for (int x = l; x <= r; x++)
                {
                    var (cr, cg, cb) = img[x, y];
                    if (isSeriesColour(cr, cg, cb)) count++;
                }
            panels.Add(new PanelArea(page, l, t, r, b, count));
        }
        return panels;
    }
}
