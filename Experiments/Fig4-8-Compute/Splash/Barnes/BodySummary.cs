namespace Splash.Barnes;

/// <summary>
/// A fingerprint of the bodies' state: sums over all bodies in index order (positions, velocities, |x|^2, |v|^2) and
/// five sample bodies (indices 0, 1, n/2 - 1, n/2, n - 1).
/// </summary>
public sealed record BodySummary(Vector3d SumPosition, Vector3d SumVelocity, double SumR2, double SumV2, IReadOnlyList<SampleBody> Samples)
{
    public static BodySummary Of(ReadOnlySpan<BodyPoint> points, ReadOnlySpan<Vector3d> velocities)
    {
        int n = points.Length;
        double px = 0, py = 0, pz = 0, vx = 0, vy = 0, vz = 0, r2 = 0, v2 = 0;
        for (int i = 0; i < n; i++)
        {
            ref readonly var p = ref points[i];
            ref readonly var v = ref velocities[i];
            px += p.X; py += p.Y; pz += p.Z;
            vx += v.X; vy += v.Y; vz += v.Z;
            r2 += p.X * p.X + p.Y * p.Y + p.Z * p.Z;
            v2 += v.X * v.X + v.Y * v.Y + v.Z * v.Z;
        }
        int[] indices = [0, 1, n / 2 - 1, n / 2, n - 1];
        var samples = new SampleBody[indices.Length];
        for (int k = 0; k < indices.Length; k++)
        {
            int i = indices[k];
            samples[k] = new SampleBody(i, new Vector3d(points[i].X, points[i].Y, points[i].Z), velocities[i]);
        }
        return new BodySummary(new Vector3d(px, py, pz), new Vector3d(vx, vy, vz), r2, v2, samples);
    }
}
