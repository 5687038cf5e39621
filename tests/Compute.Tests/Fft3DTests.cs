using System.Numerics;
using Npb.Ft;
using Npb.Runtime;

namespace Compute.Tests;

/// <summary>The 3-D FFT against a direct DFT, and forward-then-inverse giving back n times the input.</summary>
public class Fft3DTests
{
    const int Nx = 32, Ny = 16, Nz = 16;

    static double[] RandomGrid(int seed)
    {
        var rng = new System.Random(seed);
        return Enumerable.Range(0, 2 * Nx * Ny * Nz).Select(_ => rng.NextDouble() - 0.5).ToArray();
    }

    [Fact]
    public void Forward_equals_the_direct_dft_with_positive_exponent()
    {
        var input = RandomGrid(1);
        var x1 = (double[])input.Clone();
        var x2 = new double[input.Length];
        var fft = new Fft3D(Nx, Ny, Nz);
        fft.InitRoots();
        using var rt = new SerialRuntime();
        fft.Forward(rt, x1, x2);

        // Direct: X(a,b,c) = sum x(i,j,k) exp(+2 pi i (a i / nx + b j / ny + c k / nz)), at a sample of outputs.
        var rng = new System.Random(2);
        for (int t = 0; t < 40; t++)
        {
            int a = rng.Next(Nx), b = rng.Next(Ny), c = rng.Next(Nz);
            Complex sum = 0;
            for (int k = 0; k < Nz; k++)
                for (int j = 0; j < Ny; j++)
                    for (int i = 0; i < Nx; i++)
                    {
                        int at = 2 * (i + Nx * (j + Ny * k));
                        double phase = 2 * Math.PI * ((double)a * i / Nx + (double)b * j / Ny + (double)c * k / Nz);
                        sum += new Complex(input[at], input[at + 1]) * Complex.FromPolarCoordinates(1, phase);
                    }
            int o = 2 * (a + Nx * (b + Ny * c));
            Assert.Equal(sum.Real, x2[o], 1e-9);
            Assert.Equal(sum.Imaginary, x2[o + 1], 1e-9);
        }
    }

    [Fact]
    public void Inverse_of_forward_is_n_times_the_input_on_two_workers()
    {
        var input = RandomGrid(3);
        var x1 = (double[])input.Clone();
        var x2 = new double[input.Length];
        var x3 = new double[input.Length];
        var fft = new Fft3D(Nx, Ny, Nz);
        fft.InitRoots();
        using var rt = TestRuntimes.Create("pinned", 2);
        fft.Forward(rt, x1, x2);
        fft.Inverse(rt, x2, x3);
        double n = Nx * Ny * Nz;
        for (int i = 0; i < input.Length; i++) Assert.Equal(input[i], x3[i] / n, 1e-12);
    }
}
