using System.Diagnostics;
using System.Runtime.CompilerServices;
using Npb.Random;
using Npb.Runtime;

namespace Npb.Cg;

/// <summary>
/// NPB CG: estimates the smallest eigenvalue of the generated sparse symmetric matrix A by the inverse power
/// method; each of the niter steps solves A z = x with 25 conjugate-gradient iterations and sets
/// zeta = shift + 1 / (x . z), x = z / |z|. Timed region and verification as NPB 3.3: one untimed step first,
/// then x reset to ones and the niter steps timed; zeta must match the official value to 1e-10.
/// </summary>
public sealed class CgBenchmark : INpbBenchmark
{
    readonly CgParameters _p;
    readonly Lazy<SparseMatrix> _matrix;
    readonly double[] _x, _z, _p_, _q, _r;

    public CgBenchmark(ProblemClass cls)
    {
        _p = CgParameters.Of(cls);
        int n = _p.Na;
        _x = new double[n];
        _z = new double[n];
        _p_ = new double[n];
        _q = new double[n];
        _r = new double[n];
        _matrix = new Lazy<SparseMatrix>(GenerateMatrix);
    }

    public string Name => "CG";

    public ProblemClass Class => _p.Class;

    public CgParameters Parameters => _p;

    public bool InTimedRegion { get; private set; }

    /// <summary>The matrix, generated once per instance (untimed, as in NPB); the timed region only reads it.</summary>
    public SparseMatrix Matrix => _matrix.Value;

    SparseMatrix GenerateMatrix()
    {
        double tran = NpbRandom.Seed;
        NpbRandom.Randlc(ref tran, NpbRandom.Multiplier); // NPB draws zeta's initial value from the stream first
        return CgMatrixGenerator.MakeA(_p, ref tran);
    }

    public NpbResult Run(IParallelRuntime rt)
    {
        var a = Matrix;
        int n = _p.Na;

        // Untimed: one inverse-power step to touch all data and code, as NPB does.
        rt.For(0, n, new Fill(_x, 1.0));
        PowerStep(rt, a);

        rt.For(0, n, new Fill(_x, 1.0));
        double zeta = 0;
        InTimedRegion = true;
        long start = Stopwatch.GetTimestamp();
        for (int it = 1; it <= _p.Niter; it++)
            zeta = PowerStep(rt, a);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        InTimedRegion = false;

        double err = Math.Abs(zeta - _p.ZetaVerify) / _p.ZetaVerify;
        bool ok = err <= CgParameters.Epsilon;
        string detail = $"zeta={zeta:R} ref={_p.ZetaVerify:R} rel_err={err:E2} (limit {CgParameters.Epsilon:E0})";
        double mops = seconds > 0 ? _p.Operations / seconds / 1e6 : double.NaN;
        return new NpbResult(Name, _p.Class, rt.Workers, seconds, mops, ok, detail);
    }

    /// <summary>One inverse-power step: z = A^-1 x by CG, then returns zeta and normalises x = z / |z|.</summary>
    double PowerStep(IParallelRuntime rt, SparseMatrix a)
    {
        int n = _p.Na;
        ConjGrad(rt, a);
        var norms = rt.Sum(0, n, new Norms(_x, _z));
        double zeta = _p.Shift + 1.0 / norms.First;
        rt.For(0, n, new Scale(_x, _z, 1.0 / Math.Sqrt(norms.Second)));
        return zeta;
    }

    /// <summary>25 CG iterations on A z = x from z = 0; returns the residual norm |x - A z| (NPB's rnorm).</summary>
    double ConjGrad(IParallelRuntime rt, SparseMatrix a)
    {
        int n = _p.Na;
        double rho = rt.Sum(0, n, new Start(_x, _z, _p_, _q, _r)).First;
        for (int cgit = 1; cgit <= CgParameters.CgIterations; cgit++)
        {
            double d = rt.Sum(0, n, new MatVecDot(a.RowStart, a.Column, a.Value, _p_, _q)).First;
            double alpha = rho / d;
            double rho0 = rho;
            rho = rt.Sum(0, n, new UpdateZr(_z, _r, _p_, _q, alpha)).First;
            double beta = rho / rho0;
            rt.For(0, n, new UpdateP(_p_, _r, beta));
        }
        return Math.Sqrt(rt.Sum(0, n, new Residual(a.RowStart, a.Column, a.Value, _x, _z, _r)).First);
    }

    readonly struct Fill(double[] v, double value) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int lo, int hi, int worker) => v.AsSpan(lo, hi - lo).Fill(value);
    }

    /// <summary>q = z = 0, r = p = x; returns r . r.</summary>
    readonly struct Start(double[] x, double[] z, double[] p, double[] q, double[] r) : IRangeSum
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public SumPair Execute(int lo, int hi, int worker)
        {
            double s = 0;
            for (int j = lo; j < hi; j++)
            {
                q[j] = 0.0;
                z[j] = 0.0;
                double xj = x[j];
                r[j] = xj;
                p[j] = xj;
                s += xj * xj;
            }
            return new SumPair(s, 0);
        }
    }

    /// <summary>q = A p on rows [lo, hi); returns the block's part of p . q.</summary>
    readonly struct MatVecDot(int[] rowStart, int[] col, double[] val, double[] p, double[] q) : IRangeSum
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public SumPair Execute(int lo, int hi, int worker)
        {
            double d = 0;
            for (int j = lo; j < hi; j++)
            {
                double sum = SparseRow.Dot(rowStart, col, val, p, j);
                q[j] = sum;
                d += p[j] * sum;
            }
            return new SumPair(d, 0);
        }
    }

    /// <summary>z += alpha p, r -= alpha q; returns the block's part of r . r.</summary>
    readonly struct UpdateZr(double[] z, double[] r, double[] p, double[] q, double alpha) : IRangeSum
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public SumPair Execute(int lo, int hi, int worker)
        {
            double s = 0;
            var zs = z.AsSpan(lo, hi - lo);
            var rs = r.AsSpan(lo, hi - lo);
            var ps = p.AsSpan(lo, hi - lo);
            var qs = q.AsSpan(lo, hi - lo);
            for (int j = 0; j < zs.Length; j++)
            {
                zs[j] += alpha * ps[j];
                double rj = rs[j] - alpha * qs[j];
                rs[j] = rj;
                s += rj * rj;
            }
            return new SumPair(s, 0);
        }
    }

    /// <summary>p = r + beta p.</summary>
    readonly struct UpdateP(double[] p, double[] r, double beta) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int lo, int hi, int worker)
        {
            var ps = p.AsSpan(lo, hi - lo);
            var rs = r.AsSpan(lo, hi - lo);
            for (int j = 0; j < ps.Length; j++) ps[j] = rs[j] + beta * ps[j];
        }
    }

    /// <summary>r = A z; returns the block's part of |x - r|^2.</summary>
    readonly struct Residual(int[] rowStart, int[] col, double[] val, double[] x, double[] z, double[] r) : IRangeSum
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public SumPair Execute(int lo, int hi, int worker)
        {
            double s = 0;
            for (int j = lo; j < hi; j++)
            {
                double d = SparseRow.Dot(rowStart, col, val, z, j);
                r[j] = d;
                double e = x[j] - d;
                s += e * e;
            }
            return new SumPair(s, 0);
        }
    }

    /// <summary>Returns (x . z, z . z).</summary>
    readonly struct Norms(double[] x, double[] z) : IRangeSum
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public SumPair Execute(int lo, int hi, int worker)
        {
            double xz = 0, zz = 0;
            var xs = x.AsSpan(lo, hi - lo);
            var zs = z.AsSpan(lo, hi - lo);
            for (int j = 0; j < xs.Length; j++)
            {
                xz += xs[j] * zs[j];
                zz += zs[j] * zs[j];
            }
            return new SumPair(xz, zz);
        }
    }

    /// <summary>x = scale * z.</summary>
    readonly struct Scale(double[] x, double[] z, double scale) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int lo, int hi, int worker)
        {
            var xs = x.AsSpan(lo, hi - lo);
            var zs = z.AsSpan(lo, hi - lo);
            for (int j = 0; j < xs.Length; j++) xs[j] = scale * zs[j];
        }
    }
}
