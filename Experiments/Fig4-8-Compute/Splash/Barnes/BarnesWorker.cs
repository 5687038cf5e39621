using System.Runtime.CompilerServices;

namespace Splash.Barnes;

/// <summary>
/// One worker's part of BARNES: its bodies (the block it inserts first, then its cost zone each step), the cells and
/// leaves it creates (its own contiguous segment of each pool, in creation order), its counters, bounding box and
/// diagnostic partial sums, and the force walk. Only its own worker writes these fields, except that worker 0 reads
/// the step results between the position barrier and the next step's start barrier.
/// </summary>
sealed class BarnesWorker
{
    readonly BarnesState _state;
    readonly Cell[] _cells;
    readonly Leaf[] _leaves;
    readonly BodyPoint[] _points;
    readonly double _epssq, _tolsq, _dthf, _dtime;

    public readonly int Index;
    /// <summary>This worker's bodies: inserted into the tree at the start of a step, then replaced by its cost zone.</summary>
    public readonly int[] Bodies;
    public int BodyCount;
    public readonly int CellBase, LeafBase;
    public int CellCount, LeafCount;
    public long WorkMin, WorkMax;
    /// <summary>Box of this worker's bodies after they moved.</summary>
    public BoundingBox Box;
    public long BodyBody, BodyCell, SelfMissed;
    public long ForceLoopBytes;
    /// <summary>Stopwatch ticks this worker spent in each phase (tree build, centre of mass, cost zones, forces, advance), summed over the steps.</summary>
    public readonly long[] PhaseTicks = new long[5];
    public double MassTotal, Kinetic, Potential;
    public Vector3d MassPosition, MassVelocity, AngularMomentum;

    // Force walk state for the body being evaluated (hackgrav's pos0, phi0, acc0, pskip, skipself and counts).
    double _x0, _y0, _z0, _phi0, _ax, _ay, _az;
    int _skip;
    bool _skippedSelf;
    long _bodyBody, _bodyCell;

    public BarnesWorker(BarnesState state, BarnesInput input, int index, int cellBase, int leafBase)
    {
        _state = state;
        (_cells, _leaves, _points) = (state.Cells, state.Leaves, state.Points);
        _epssq = input.Softening * input.Softening;
        _tolsq = input.Tolerance * input.Tolerance;
        _dtime = input.TimeStep;
        _dthf = 0.5 * input.TimeStep;
        Index = index;
        Bodies = new int[state.Points.Length];
        CellBase = cellBase;
        LeafBase = leafBase;
    }

    /// <summary>find_my_initial_bodies: block <see cref="Index"/> of the body array, larger blocks first.</summary>
    public void TakeInitialBlock(int bodies, int workers)
    {
        int count = bodies / workers, extra = bodies % workers;
        int offset = Index < extra ? (count + 1) * Index : (count + 1) * extra + (Index - extra) * count;
        if (Index < extra) count++;
        for (int i = 0; i < count; i++) Bodies[i] = offset + i;
        BodyCount = count;
    }

    /// <summary>Housekeep: clears the step's counters and the bounding box.</summary>
    public void Housekeep()
    {
        BodyBody = BodyCell = SelfMissed = 0;
        Box = BoundingBox.Empty;
    }

    /// <summary>
    /// Computes the force on each of this worker's bodies by walking the tree, records each body's interaction count
    /// as its next cost, and from the second step on corrects the velocity with the change in acceleration.
    /// Allocates nothing (its allocation probe adds to <see cref="ForceLoopBytes"/>).
    /// </summary>
    public void ComputeForces(int step, double rootSizeSquared)
    {
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var (bodies, accelerations, velocities) = (Bodies, _state.Accelerations, _state.Velocities);
        for (int i = 0; i < BodyCount; i++)
        {
            int b = bodies[i];
            var acc1 = accelerations[b];
            ref readonly var p = ref _points[b];
            _skip = b;
            _x0 = p.X; _y0 = p.Y; _z0 = p.Z;
            _phi0 = 0.0;
            _ax = _ay = _az = 0.0;
            _bodyBody = _bodyCell = 0;
            _skippedSelf = false;
            WalkCell(0, rootSizeSquared);
            _state.Potentials[b] = _phi0;
            ref var acc = ref accelerations[b];
            acc.X = _ax; acc.Y = _ay; acc.Z = _az;
            _state.NextCosts[b] = _bodyBody + _bodyCell;
            BodyBody += _bodyBody;
            BodyCell += _bodyCell;
            if (!_skippedSelf) SelfMissed++;
            if (step > 0)
            {
                ref var v = ref velocities[b];
                double dx = acc.X - acc1.X, dy = acc.Y - acc1.Y, dz = acc.Z - acc1.Z;
                v.X += dx * _dthf; v.Y += dy * _dthf; v.Z += dz * _dthf;
            }
        }
        ForceLoopBytes += GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
    }

    /// <summary>
    /// subdivp: whether a node of centre (x, y, z) and mass m must be opened (tol^2 d^2 &lt; side^2, with dsq = side^2);
    /// if not, it is taken as one pseudo-particle (a body-cell interaction) here.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    bool Opens(double x, double y, double z, double mass, double dsq)
    {
        double dx = x - _x0, dy = y - _y0, dz = z - _z0;
        double drsq = dx * dx;
        drsq += dy * dy;
        drsq += dz * dz;
        if (_tolsq * drsq < dsq) return true;
        Interact(dx, dy, dz, drsq, mass);
        _bodyCell++;
        return false;
    }

    /// <summary>walksub for a cell: open it (visit the children in slot order) or take it as one pseudo-particle.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void WalkCell(int cell, double dsq)
    {
        ref readonly var c = ref _cells[cell];
        if (!Opens(c.X, c.Y, c.Z, c.Mass, dsq)) return;
        double quarter = dsq / 4.0;
        for (int k = 0; k < 8; k++)
        {
            int child = c.Children[k];
            if (child > 0) WalkCell(child - 1, quarter);
            else if (child < 0) WalkLeaf(-child - 1, quarter);
        }
    }

    /// <summary>walksub for a leaf: open it (each body but the one evaluated) or take it as one pseudo-particle.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void WalkLeaf(int leaf, double dsq)
    {
        ref readonly var l = ref _leaves[leaf];
        if (!Opens(l.X, l.Y, l.Z, l.Mass, dsq)) return;
        var points = _points;
        for (int k = 0; k < l.Count; k++)
        {
            int b = l.Bodies[k];
            if (b == _skip)
            {
                _skippedSelf = true;
                continue;
            }
            ref readonly var p = ref points[b];
            double bx = p.X - _x0, by = p.Y - _y0, bz = p.Z - _z0;
            double bsq = bx * bx;
            bsq += by * by;
            bsq += bz * bz;
            Interact(bx, by, bz, bsq, p.Mass);
            _bodyBody++;
        }
    }

    /// <summary>gravsub: one softened monopole interaction, phi -= m / r and a += m dr / r^3 with r^2 = d^2 + eps^2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    void Interact(double dx, double dy, double dz, double drsq, double mass)
    {
        drsq += _epssq;
        double drabs = Math.Sqrt(drsq);
        double phii = mass / drabs;
        _phi0 -= phii;
        double mor3 = phii / drsq;
        _ax += dx * mor3;
        _ay += dy * mor3;
        _az += dz * mor3;
    }

    /// <summary>
    /// Adds this worker's bodies to the step's diagnostics (before they move), makes each body's interaction count its
    /// cost for the next step, and advances the bodies with the time-centred scheme (half kick, drift, half kick),
    /// tracking the bounding box.
    /// </summary>
    public void Advance()
    {
        double mtot = 0, ke = 0, pe = 0;
        double cpx = 0, cpy = 0, cpz = 0, cvx = 0, cvy = 0, cvz = 0, amx = 0, amy = 0, amz = 0;
        var box = BoundingBox.Empty;
        var bodies = Bodies;
        var s = _state;
        for (int i = 0; i < BodyCount; i++)
        {
            int b = bodies[i];
            ref var p = ref _points[b];
            ref var v = ref s.Velocities[b];
            ref readonly var a = ref s.Accelerations[b];
            double m = p.Mass;
            double velsq = v.X * v.X;
            velsq += v.Y * v.Y;
            velsq += v.Z * v.Z;
            mtot += m;
            ke += 0.5 * m * velsq;
            pe += 0.5 * m * s.Potentials[b];
            cpx += p.X * m; cpy += p.Y * m; cpz += p.Z * m;
            cvx += v.X * m; cvy += v.Y * m; cvz += v.Z * m;
            amx += (p.Y * v.Z - p.Z * v.Y) * m;
            amy += (p.Z * v.X - p.X * v.Z) * m;
            amz += (p.X * v.Y - p.Y * v.X) * m;

            s.Costs[b] = s.NextCosts[b];

            double dvx = a.X * _dthf, dvy = a.Y * _dthf, dvz = a.Z * _dthf;
            double v1x = v.X + dvx, v1y = v.Y + dvy, v1z = v.Z + dvz;
            p.X += v1x * _dtime; p.Y += v1y * _dtime; p.Z += v1z * _dtime;
            v.X = v1x + dvx; v.Y = v1y + dvy; v.Z = v1z + dvz;
            box.Include(p.X, p.Y, p.Z);
        }
        Box = box;
        MassTotal = mtot;
        Kinetic = ke;
        Potential = pe;
        MassPosition = new Vector3d(cpx, cpy, cpz);
        MassVelocity = new Vector3d(cvx, cvy, cvz);
        AngularMomentum = new Vector3d(amx, amy, amz);
    }
}
