using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Npb.Runtime;

namespace Npb.Ft;

/// <summary>
/// NPB FT's 3-D complex FFT on an nx x ny x nz grid stored as interleaved (re, im) doubles, x fastest:
/// element (i, j, k) at 2 * (i + nx * (j + ny * k)). Each axis is transformed by 1-D FFTs done <see cref="Block"/>
/// lines at a time (NPB's cffts1/2/3 with fftblock = 16), each 1-D FFT being Swarztrauber's variant of the Stockham
/// algorithm (cfftz/fftz2) with the roots of unity from <see cref="InitRoots"/>. Unnormalised in both directions.
/// Dimensions are powers of two, multiples of <see cref="Block"/>.
/// </summary>
public sealed class Fft3D
{
    /// <summary>Lines transformed together (NPB's fftblock).</summary>
    public const int Block = 16;

    readonly int _nx, _ny, _nz, _logNx, _logNy, _logNz, _maxDim;
    readonly double[] _rootRe, _rootIm;
    FftScratch[] _scratch = [];

    public Fft3D(int nx, int ny, int nz)
    {
        foreach (int d in (ReadOnlySpan<int>)[nx, ny, nz])
            if (!BitOperations.IsPow2(d) || d < Block)
                throw new ArgumentException($"FFT dimensions must be powers of two of at least {Block}; got {nx}x{ny}x{nz}");
        if (Block % Vector<double>.Count != 0)
            throw new PlatformNotSupportedException($"FFT block of {Block} lines is not a multiple of the vector width {Vector<double>.Count}");
        (_nx, _ny, _nz) = (nx, ny, nz);
        _logNx = BitOperations.Log2((uint)nx);
        _logNy = BitOperations.Log2((uint)ny);
        _logNz = BitOperations.Log2((uint)nz);
        _maxDim = Math.Max(nx, Math.Max(ny, nz));
        _rootRe = new double[_maxDim];
        _rootIm = new double[_maxDim];
    }

    /// <summary>
    /// NPB's fft_init: for each level with ln = 1, 2, 4, ... roots, entry [ln + i] = exp(i * pi * i / ln) for i &lt; ln.
    /// Entry 0 is unused (NPB keeps log2 n there).
    /// </summary>
    public void InitRoots()
    {
        int m = BitOperations.Log2((uint)_maxDim);
        int ln = 1;
        for (int level = 1; level <= m; level++)
        {
            double t = Math.PI / ln;
            for (int i = 0; i < ln; i++)
            {
                double ti = i * t;
                _rootRe[ln + i] = Math.Cos(ti);
                _rootIm[ln + i] = Math.Sin(ti);
            }
            ln *= 2;
        }
    }

    /// <summary>Allocates private buffers for <paramref name="workers"/> workers (call outside timed regions).</summary>
    public void EnsureWorkers(int workers)
    {
        if (_scratch.Length >= workers) return;
        var s = new FftScratch[workers];
        for (int w = 0; w < workers; w++) s[w] = w < _scratch.Length ? _scratch[w] : new FftScratch(_maxDim);
        _scratch = s;
    }

    /// <summary>Forward transform (NPB's fft(1, x1, x2)): x1 is overwritten by the x and y passes, the result goes to x2.</summary>
    public void Forward(IParallelRuntime rt, double[] x1, double[] x2)
    {
        EnsureWorkers(rt.Workers);
        rt.For(0, _nz, new AlongX(this, 1, x1, x1));
        rt.For(0, _nz, new AlongY(this, 1, x1, x1));
        rt.For(0, _ny, new AlongZ(this, 1, x1, x2));
    }

    /// <summary>Inverse transform (NPB's fft(-1, x1, x2)), passes in z, y, x order; unnormalised.</summary>
    public void Inverse(IParallelRuntime rt, double[] x1, double[] x2)
    {
        EnsureWorkers(rt.Workers);
        rt.For(0, _ny, new AlongZ(this, -1, x1, x1));
        rt.For(0, _nz, new AlongY(this, -1, x1, x1));
        rt.For(0, _nz, new AlongX(this, -1, x1, x2));
    }

    /// <summary>cffts1: FFTs along x for the z-planes [lo, hi).</summary>
    readonly struct AlongX(Fft3D f, int dir, double[] x, double[] xout) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int lo, int hi, int worker)
        {
            var s = f._scratch[worker];
            int nx = f._nx, ny = f._ny;
            for (int k = lo; k < hi; k++)
            {
                for (int jj = 0; jj < ny; jj += Block)
                {
                    for (int j = 0; j < Block; j++)
                    {
                        int row = 2 * nx * (jj + j + ny * k);
                        for (int i = 0; i < nx; i++)
                        {
                            s.Re1[i * Block + j] = x[row + 2 * i];
                            s.Im1[i * Block + j] = x[row + 2 * i + 1];
                        }
                    }
                    f.Cfftz(dir, f._logNx, nx, s);
                    for (int j = 0; j < Block; j++)
                    {
                        int row = 2 * nx * (jj + j + ny * k);
                        for (int i = 0; i < nx; i++)
                        {
                            xout[row + 2 * i] = s.Re1[i * Block + j];
                            xout[row + 2 * i + 1] = s.Im1[i * Block + j];
                        }
                    }
                }
            }
        }
    }

    /// <summary>cffts2: FFTs along y for the z-planes [lo, hi).</summary>
    readonly struct AlongY(Fft3D f, int dir, double[] x, double[] xout) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int lo, int hi, int worker)
        {
            var s = f._scratch[worker];
            int nx = f._nx, ny = f._ny;
            for (int k = lo; k < hi; k++)
            {
                for (int ii = 0; ii < nx; ii += Block)
                {
                    for (int j = 0; j < ny; j++)
                        Gather(x, 2 * (ii + nx * (j + ny * k)), s, j);
                    f.Cfftz(dir, f._logNy, ny, s);
                    for (int j = 0; j < ny; j++)
                        Scatter(s, j, xout, 2 * (ii + nx * (j + ny * k)));
                }
            }
        }
    }

    /// <summary>cffts3: FFTs along z for the y-rows [lo, hi).</summary>
    readonly struct AlongZ(Fft3D f, int dir, double[] x, double[] xout) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int lo, int hi, int worker)
        {
            var s = f._scratch[worker];
            int nx = f._nx, ny = f._ny, nz = f._nz;
            for (int j = lo; j < hi; j++)
            {
                for (int ii = 0; ii < nx; ii += Block)
                {
                    for (int k = 0; k < nz; k++)
                        Gather(x, 2 * (ii + nx * (j + ny * k)), s, k);
                    f.Cfftz(dir, f._logNz, nz, s);
                    for (int k = 0; k < nz; k++)
                        Scatter(s, k, xout, 2 * (ii + nx * (j + ny * k)));
                }
            }
        }
    }

    /// <summary>Copies Block consecutive grid points starting at offset <paramref name="at"/> into point <paramref name="p"/> of the scratch lines.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Gather(double[] x, int at, FftScratch s, int p)
    {
        var src = x.AsSpan(at, 2 * Block);
        var re = s.Re1.AsSpan(p * Block, Block);
        var im = s.Im1.AsSpan(p * Block, Block);
        for (int i = 0; i < Block; i++)
        {
            re[i] = src[2 * i];
            im[i] = src[2 * i + 1];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Scatter(FftScratch s, int p, double[] x, int at)
    {
        var dst = x.AsSpan(at, 2 * Block);
        var re = s.Re1.AsSpan(p * Block, Block);
        var im = s.Im1.AsSpan(p * Block, Block);
        for (int i = 0; i < Block; i++)
        {
            dst[2 * i] = re[i];
            dst[2 * i + 1] = im[i];
        }
    }

    /// <summary>
    /// cfftz: Block simultaneous n-point FFTs (n = 2^m) of the lines in s.Re1/Im1, result back in s.Re1/Im1,
    /// by m Stockham passes alternating between the two buffer pairs. dir 1 is forward, -1 inverse (conjugate roots).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void Cfftz(int dir, int m, int n, FftScratch s)
    {
        for (int l = 1; l <= m; l += 2)
        {
            Fftz2(dir, l, m, n, s.Re1, s.Im1, s.Re2, s.Im2);
            if (l == m)
            {
                s.Re2.AsSpan(0, n * Block).CopyTo(s.Re1);
                s.Im2.AsSpan(0, n * Block).CopyTo(s.Im1);
                return;
            }
            Fftz2(dir, l + 1, m, n, s.Re2, s.Im2, s.Re1, s.Im1);
        }
    }

    /// <summary>fftz2: pass l of the Stockham FFT, reading lines (xr, xi), writing (yr, yi).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void Fftz2(int dir, int l, int m, int n, double[] xr, double[] xi, double[] yr, double[] yi)
    {
        int n1 = n / 2;
        int lk = 1 << (l - 1);
        int li = 1 << (m - l);
        int lj = 2 * lk;
        ref double xr0 = ref MemoryMarshal.GetArrayDataReference(xr);
        ref double xi0 = ref MemoryMarshal.GetArrayDataReference(xi);
        ref double yr0 = ref MemoryMarshal.GetArrayDataReference(yr);
        ref double yi0 = ref MemoryMarshal.GetArrayDataReference(yi);
        if ((uint)(n * Block) > (uint)xr.Length || (uint)(n * Block) > (uint)yr.Length || (uint)(2 * li) > (uint)_rootRe.Length)
            throw new ArgumentOutOfRangeException(nameof(n));
        for (int i = 0; i < li; i++)
        {
            int i11 = i * lk, i12 = i11 + n1, i21 = i * lj, i22 = i21 + lk;
            double ur = _rootRe[li + i];
            double ui = dir >= 1 ? _rootIm[li + i] : -_rootIm[li + i];
            var vur = new Vector<double>(ur);
            var vui = new Vector<double>(ui);
            for (int k = 0; k < lk; k++)
            {
                nuint a = (nuint)((i11 + k) * Block), b = (nuint)((i12 + k) * Block);
                nuint c = (nuint)((i21 + k) * Block), d = (nuint)((i22 + k) * Block);
                // The Block lines are independent: the same butterfly on Vector<double>.Count lines at a time
                // (Block is a multiple of the vector width, checked in the constructor).
                for (nuint j = 0; j < Block; j += (nuint)Vector<double>.Count)
                {
                    var x11r = Vector.LoadUnsafe(ref xr0, a + j);
                    var x11i = Vector.LoadUnsafe(ref xi0, a + j);
                    var x21r = Vector.LoadUnsafe(ref xr0, b + j);
                    var x21i = Vector.LoadUnsafe(ref xi0, b + j);
                    (x11r + x21r).StoreUnsafe(ref yr0, c + j);
                    (x11i + x21i).StoreUnsafe(ref yi0, c + j);
                    var dr = x11r - x21r;
                    var di = x11i - x21i;
                    (vur * dr - vui * di).StoreUnsafe(ref yr0, d + j);
                    (vur * di + vui * dr).StoreUnsafe(ref yi0, d + j);
                }
            }
        }
    }
}
