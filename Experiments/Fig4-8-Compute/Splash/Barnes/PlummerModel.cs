namespace Splash.Barnes;

/// <summary>
/// BARNES's initial conditions (testdata): two Plummer spheres in units M = G = 1, -4E = 1 for one sphere (Aarseth,
/// Henon and Wielen 1974). The first half of the bodies is drawn in order (radius with rejection of r &gt; 9, a random
/// direction, a speed by rejection from the Plummer distribution, a random direction); the second half copies them
/// shifted by 4 in x, y and z; then the mean position and velocity are removed. Every draw comes from
/// <see cref="BarnesRandom"/> in the reference program's order, so the bodies are the same to the last bit.
/// </summary>
public static class PlummerModel
{
    const double Pi = 3.14159265358979323846;
    const double MassFraction = 0.999;

    /// <summary>Fills positions, velocities and masses of <paramref name="bodies"/> bodies.</summary>
    public static void Generate(int bodies, long seed, BodyPoint[] points, Vector3d[] velocities)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bodies, 2);
        if (points.Length < bodies || velocities.Length < bodies) throw new ArgumentException("arrays shorter than the body count");
        var random = new BarnesRandom(seed);
        double rsc = 9 * Pi / 16, vsc = Math.Sqrt(1.0 / rsc);
        double cmrX = 0, cmrY = 0, cmrZ = 0, cmvX = 0, cmvY = 0, cmvZ = 0;
        int half = bodies / 2 + bodies % 2;
        double mass = 1.0 / bodies;
        for (int i = 0; i < half; i++)
        {
            double r = Radius(random);
            while (r > 9.0) r = Radius(random);
            var pos = Shell(random, rsc * r);
            points[i] = new BodyPoint { X = pos.X, Y = pos.Y, Z = pos.Z, Mass = mass };
            cmrX += pos.X; cmrY += pos.Y; cmrZ += pos.Z;
            double x, y;
            do
            {
                x = random.Next(0.0, 1.0);
                y = random.Next(0.0, 0.1);
            } while (y > x * x * Math.Pow(1 - x * x, 3.5));
            double v = Math.Sqrt(2.0) * x / Math.Pow(1 + r * r, 0.25);
            velocities[i] = Shell(random, vsc * v);
            cmvX += velocities[i].X; cmvY += velocities[i].Y; cmvZ += velocities[i].Z;
        }
        const float offset = 4.0f;
        for (int i = half; i < bodies; i++)
        {
            ref readonly var c = ref points[i - half];
            points[i] = new BodyPoint { X = c.X + offset, Y = c.Y + offset, Z = c.Z + offset, Mass = mass };
            velocities[i] = velocities[i - half];
            cmrX += points[i].X; cmrY += points[i].Y; cmrZ += points[i].Z;
            cmvX += velocities[i].X; cmvY += velocities[i].Y; cmvZ += velocities[i].Z;
        }
        cmrX /= bodies; cmrY /= bodies; cmrZ /= bodies;
        cmvX /= bodies; cmvY /= bodies; cmvZ /= bodies;
        for (int i = 0; i < bodies; i++)
        {
            points[i].X -= cmrX; points[i].Y -= cmrY; points[i].Z -= cmrZ;
            velocities[i].X -= cmvX; velocities[i].Y -= cmvY; velocities[i].Z -= cmvZ;
        }
    }

    static double Radius(BarnesRandom random) => 1 / Math.Sqrt(Math.Pow(random.Next(0.0, MassFraction), -2.0 / 3.0) - 1);

    /// <summary>pickshell: a point drawn uniformly in the unit ball (by rejection), scaled to length <paramref name="radius"/>.</summary>
    static Vector3d Shell(BarnesRandom random, double radius)
    {
        double x, y, z, rsq;
        do
        {
            x = random.Next(-1.0, 1.0);
            y = random.Next(-1.0, 1.0);
            z = random.Next(-1.0, 1.0);
            rsq = x * x;
            rsq += y * y;
            rsq += z * z;
        } while (rsq > 1.0);
        double scale = radius / Math.Sqrt(rsq);
        return new Vector3d(x * scale, y * scale, z * scale);
    }
}
