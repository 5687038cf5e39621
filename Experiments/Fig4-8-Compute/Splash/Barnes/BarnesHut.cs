using System.Diagnostics;
using Multikernel.Threads;
using Splash.Team;

namespace Splash.Barnes;

/// <summary>
/// SPLASH-2 BARNES (Barnes-Hut N-body, 3-D) as a team program. Each step, every worker:
/// <list type="number">
/// <item>inserts its bodies into one shared octree (leaves of up to 10 bodies, split when an 11th arrives), locking the
/// parent cell through a table of 2048 hashed locks to install a leaf, add a body or split a leaf; cells and leaves come
/// from the worker's own pool segment;</item>
/// <item>computes the centre of mass of the leaves and then the cells it created, in reverse creation order, waiting on
/// a child built by another worker through that child's "done" flag (the hashed lock's condition);</item>
/// <item>takes its cost zone: the bodies whose cumulative cost (interactions in the previous step) falls in
/// [w C / P, (w+1) C / P) of the root's total C, in a Peano-Hilbert-like order of the tree;</item>
/// <item>computes the forces on its bodies by walking the read-only tree (a node of side s at distance d is opened when
/// tol^2 d^2 &lt; s^2);</item>
/// <item>after a barrier, advances its bodies (time-centred leapfrog) and merges its bounding box under a global lock;
/// worker 0 then sets the next step's bounding cube.</item>
/// </list>
/// Barriers separate the phases (step start, after insertion, after the centre-of-mass pass, after forces, after
/// positions). The barrier after forces is ours: the reference program instead takes each body's leaf lock to read
/// another body's position in the force walk and to move a body (SPLASH-3's optional locks), so a worker may move its
/// bodies while another still reads them; with the barrier the forces do not depend on timing. Likewise a body's new
/// cost is kept apart until that barrier, so cost zones never read a cost being rewritten.
/// <para>Every arithmetic operation on body and node data is done in the reference program's order, so one worker
/// reproduces its results bit for bit; with more workers only the order of bodies within a leaf (insertion order)
/// changes, which changes sums in the last bits.</para>
/// </summary>
public sealed class BarnesHut : TeamProgram
{
    public const int MaxBodiesPerLeaf = 10;
    /// <summary>Hashed locks guarding the tree's nodes: a node uses lock (sequence number mod 2048).</summary>
    public const int NodeLockCount = 2048;
    /// <summary>Integer coordinates have 62 bits per axis; the root's level bit is 2^61.</summary>
    const long Imax = 1L << 62;

    readonly ITeamRuntime _team;
    readonly int _workerCount, _bodies, _steps;
    readonly double _dtime, _dthf;

    readonly BodyPoint[] _initialPoints;
    readonly Vector3d[] _initialVelocities;
    readonly BarnesState _s;
    readonly Cell[] _cells;
    readonly Leaf[] _leaves;
    readonly BodyPoint[] _points;
    readonly int _cellsPerWorker, _leavesPerWorker;

    readonly TeamLock[] _nodeLocks;
    readonly TeamLock _countLock;
    readonly TeamBarrier _barStart, _barTree, _barCom, _barAccel, _barPos;
    readonly BarnesWorker[] _workers;
    readonly StepDiagnostics[] _diagnostics;

    // Bounding cube of the step's tree: written by worker 0 after the position barrier, read by all after the next start barrier.
    double _rsize;
    Vector3d _rmin;
    // Merged bounding box of the new positions (under _countLock).
    BoundingBox _merged;

    /// <summary>A run from the generated initial conditions (two Plummer spheres) of <paramref name="input"/>.</summary>
    public BarnesHut(BarnesInput input, ITeamRuntime team) : this(input, team, null, null) { }

    /// <summary>
    /// A run from given initial conditions (the reference program's input file) instead of generated ones: positions
    /// and masses <paramref name="points"/> and velocities <paramref name="velocities"/>, one per body of <paramref name="input"/>
    /// (both given, or both null for the generated ones).
    /// </summary>
    public BarnesHut(BarnesInput input, ITeamRuntime team, BodyPoint[]? points, Vector3d[]? velocities)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(team);
        if (input.Bodies < 2) throw new ArgumentException($"BARNES: {input.Bodies} bodies; a run needs at least 2", nameof(input));
        Input = input;
        _team = team;
        _workerCount = team.Workers;
        _bodies = input.Bodies;
        _steps = input.Steps;
        if (_steps < 1) throw new ArgumentException($"BARNES: stop time {input.StopTime} gives no step (steps run while t < tstop + dt / 10, from t = 0)", nameof(input));
        _dtime = input.TimeStep;
        _dthf = 0.5 * input.TimeStep;

        _initialPoints = new BodyPoint[_bodies];
        _initialVelocities = new Vector3d[_bodies];
        if (points is null != velocities is null)
            throw new ArgumentException($"initial conditions need both positions and velocities; {(points is null ? "positions" : "velocities")} missing");
        if (points is null || velocities is null) PlummerModel.Generate(_bodies, input.Seed, _initialPoints, _initialVelocities);
        else
        {
            if (points.Length != _bodies || velocities.Length != _bodies)
                throw new ArgumentException($"initial conditions for {points.Length} and {velocities.Length} bodies, but the input has {_bodies}");
            points.CopyTo(_initialPoints, 0);
            velocities.CopyTo(_initialVelocities, 0);
        }
        long maxLeaves = input.MaxLeaves, maxCells = input.MaxCells;
        if (maxCells > int.MaxValue / 2) throw new ArgumentException($"{input}: {maxCells} cells is more than this implementation indexes");
        _cellsPerWorker = (int)(maxCells / _workerCount);
        _leavesPerWorker = (int)(maxLeaves / _workerCount);
        if (_cellsPerWorker < 1 || _leavesPerWorker < 1) throw new ArgumentException($"{input}: too few cells or leaves for {_workerCount} workers");
        _s = new BarnesState(_bodies, _cellsPerWorker * _workerCount, _leavesPerWorker * _workerCount);
        (_cells, _leaves, _points) = (_s.Cells, _s.Leaves, _s.Points);

        _nodeLocks = new TeamLock[NodeLockCount];
        for (int i = 0; i < NodeLockCount; i++) _nodeLocks[i] = team.NewLock();
        _countLock = team.NewLock();
        _barStart = team.NewBarrier();
        _barTree = team.NewBarrier();
        _barCom = team.NewBarrier();
        _barAccel = team.NewBarrier();
        _barPos = team.NewBarrier();
        _workers = new BarnesWorker[_workerCount];
        for (int w = 0; w < _workerCount; w++)
            _workers[w] = new BarnesWorker(_s, input, w, w * _cellsPerWorker, w * _leavesPerWorker);
        _diagnostics = new StepDiagnostics[_steps];
        Initial = BodySummary.Of(_initialPoints, _initialVelocities);
    }

    public BarnesInput Input { get; }

    /// <summary>The generated initial conditions (before the first step).</summary>
    public BodySummary Initial { get; }

    /// <summary>The bodies worker <paramref name="worker"/> computed forces for in the last step (its cost zone), for tests.</summary>
    internal ReadOnlySpan<int> ZoneOf(int worker) => _workers[worker].Bodies.AsSpan(0, _workers[worker].BodyCount);

    /// <summary>Runs all steps from the initial conditions on the team; every run starts from the same state.</summary>
    public BarnesRun Run()
    {
        Reset();
        double seconds = _team.RunTeam(this).TotalSeconds;
        long bytes = 0;
        foreach (var w in _workers) bytes += w.ForceLoopBytes;
        var t = _workers[0].PhaseTicks;
        double S(int i) => (double)t[i] / Stopwatch.Frequency;
        return new BarnesRun(seconds, _workerCount, _diagnostics.ToArray(), Initial, BodySummary.Of(_points, _s.Velocities), bytes,
            new BarnesPhases(S(0), S(1), S(2), S(3), S(4)));
    }

    void Reset()
    {
        Array.Copy(_initialPoints, _points, _bodies);
        Array.Copy(_initialVelocities, _s.Velocities, _bodies);
        Array.Clear(_s.Accelerations);
        Array.Clear(_s.Potentials);
        Array.Fill(_s.Costs, 1L);
        Array.Clear(_s.NextCosts);
        Array.Clear(_diagnostics);
        foreach (var w in _workers)
        {
            w.ForceLoopBytes = 0;
            Array.Clear(w.PhaseTicks);
        }

        // setbound: the first cube from the initial extents.
        var box = BoundingBox.Empty;
        foreach (ref readonly var p in _points.AsSpan()) box.Include(p.X, p.Y, p.Z);
        SetCube(box);
    }

    /// <summary>rsize = 1.00002 x the largest extent, rmin = min - extent / 100000; the merged box is cleared.</summary>
    void SetCube(in BoundingBox box)
    {
        var (min, max) = (box.Min, box.Max);
        double ex = max.X - min.X, ey = max.Y - min.Y, ez = max.Z - min.Z;
        double side = 0;
        if (side < ex) side = ex;
        if (side < ey) side = ey;
        if (side < ez) side = ez;
        double shift = -side / 100000.0;
        _rmin = new Vector3d(min.X + shift, min.Y + shift, min.Z + shift);
        _rsize = 1.00002 * side;
        _merged = BoundingBox.Empty;
    }

    public override async UTask RunWorker(int worker)
    {
        var w = _workers[worker];
        w.TakeInitialBlock(_bodies, _workerCount);
        await _barStart.SignalAndWaitAsync();
        for (int step = 0; step < _steps; step++)
        {
            if (worker == 0) InitRoot();
            await _barStart.SignalAndWaitAsync();
            w.CellCount = worker == 0 ? 1 : 0;
            w.LeafCount = 0;
            long mark = Stopwatch.GetTimestamp();

            // Tree build: insert this worker's bodies.
            for (int i = 0; i < w.BodyCount; i++) await LoadBody(w, w.Bodies[i]);
            await _barTree.SignalAndWaitAsync();
            mark = Lap(w, 0, mark);
            await CentreOfMass(w);
            await _barCom.SignalAndWaitAsync();
            mark = Lap(w, 1, mark);

            // Cost zones: this worker's share of the root's total cost.
            w.Housekeep();
            double average = (double)_cells[0].Cost / _workerCount;
            w.WorkMin = (long)(average * worker);
            w.WorkMax = (long)(average * (worker + 1) + (worker == _workerCount - 1 ? 1 : 0));
            w.BodyCount = 0;
            FindZone(w, NodeRef.OfCell(0), 0, CostZoneOrder.Start);
            mark = Lap(w, 2, mark);

            w.ComputeForces(step, _rsize * _rsize);
            await _barAccel.SignalAndWaitAsync();
            mark = Lap(w, 3, mark);

            w.Advance();
            await _countLock.LockAsync();
            _merged.Include(in w.Box);
            _countLock.Unlock();
            await _barPos.SignalAndWaitAsync();
            Lap(w, 4, mark);
            if (worker == 0)
            {
                Record(step);
                SetCube(_merged);
            }
        }
    }

    /// <summary>Adds the ticks since <paramref name="mark"/> to phase <paramref name="phase"/> of <paramref name="w"/>; returns now.</summary>
    static long Lap(BarnesWorker w, int phase, long mark)
    {
        long now = Stopwatch.GetTimestamp();
        w.PhaseTicks[phase] += now - mark;
        return now;
    }

    /// <summary>init_root: the root is worker 0's first cell, emptied for the new step.</summary>
    void InitRoot()
    {
        ref var root = ref _cells[0];
        root.Mass = 0;
        root.Children = default;
        root.Done = 0;
        root.Level = Imax >> 1;
        root.Parent = -1;
        root.ChildNum = 0;
    }

    TeamLock LockOf(int node) => _nodeLocks[(NodeRef.IsCell(node) ? NodeRef.CellIndex(node) : NodeRef.LeafIndex(node)) % NodeLockCount];

    TeamLock LockOfCell(int cell) => _nodeLocks[cell % NodeLockCount];

    /// <summary>
    /// loadtree: descends from the root by the body's integer coordinates. At each level, under the parent cell's
    /// hashed lock, an empty slot gets a new leaf holding the body; then, under the lock again, a leaf with room takes
    /// the body and a full leaf is split into a cell. Cells, once in the tree, never change, so the descent reads them
    /// after the lock is released.
    /// </summary>
    async UTask LoadBody(BarnesWorker w, int body)
    {
        var (x, y, z) = IntCoord(body);
        int node = 0;
        int kid = SubIndex(x, y, z, _cells[0].Level);
        long level = _cells[0].Level >> 1;
        while (true)
        {
            if (level == 0) throw new InvalidOperationException($"BARNES: not enough levels in the tree for body {body} (bodies too close together)");
            var gate = LockOfCell(node);
            await gate.LockAsync();
            if (_cells[node].Children[kid] == NodeRef.Empty)
            {
                int leaf = NewLeaf(w, node);
                _leaves[leaf].ChildNum = kid;
                AddBody(leaf, body);
                Volatile.Write(ref _cells[node].Children[kid], NodeRef.OfLeaf(leaf));
                gate.Unlock();
                return;
            }
            gate.Unlock();

            await gate.LockAsync();
            int slot = _cells[node].Children[kid];
            if (!NodeRef.IsCell(slot))
            {
                int leaf = NodeRef.LeafIndex(slot);
                if (_leaves[leaf].Count < MaxBodiesPerLeaf)
                {
                    AddBody(leaf, body);
                    gate.Unlock();
                    return;
                }
                int cell = SplitLeaf(w, leaf, node, level);
                Volatile.Write(ref _cells[node].Children[kid], NodeRef.OfCell(cell));
            }
            gate.Unlock();

            node = NodeRef.CellIndex(_cells[node].Children[kid]);
            kid = SubIndex(x, y, z, level);
            level >>= 1;
        }
    }

    void AddBody(int leaf, int body)
    {
        ref var l = ref _leaves[leaf];
        l.Bodies[l.Count++] = body;
    }

    /// <summary>
    /// SubdivideLeaf: a new cell takes the full leaf's place; the leaf is reused for the octant of its first body and
    /// new leaves are made for the others' octants, the bodies keeping their order.
    /// </summary>
    int SplitLeaf(BarnesWorker w, int leaf, int parent, long level)
    {
        Span<int> bodies = stackalloc int[MaxBodiesPerLeaf];
        ref var old = ref _leaves[leaf];
        int n = old.Count;
        for (int i = 0; i < n; i++) bodies[i] = old.Bodies[i];
        old.Count = 0;
        int cell = NewCell(w, parent);
        _cells[cell].ChildNum = old.ChildNum;

        var (x, y, z) = IntCoord(bodies[0]);
        int index = SubIndex(x, y, z, level);
        _cells[cell].Children[index] = NodeRef.OfLeaf(leaf);
        old.ChildNum = index;
        old.Parent = cell;
        old.Level = level >> 1;
        AddBody(leaf, bodies[0]);
        for (int i = 1; i < n; i++)
        {
            (x, y, z) = IntCoord(bodies[i]);
            index = SubIndex(x, y, z, level);
            int slot = _cells[cell].Children[index];
            int target;
            if (slot == NodeRef.Empty)
            {
                target = NewLeaf(w, cell);
                _leaves[target].ChildNum = index;
                _cells[cell].Children[index] = NodeRef.OfLeaf(target);
            }
            else target = NodeRef.LeafIndex(slot);
            AddBody(target, bodies[i]);
        }
        return cell;
    }

    int NewCell(BarnesWorker w, int parent)
    {
        if (w.CellCount == _cellsPerWorker)
            throw new InvalidOperationException($"BARNES: worker {w.Index} needs more than {_cellsPerWorker} cells; increase fcells");
        int cell = w.CellBase + w.CellCount++;
        ref var c = ref _cells[cell];
        c.Mass = 0;
        c.Children = default;
        c.Done = 0;
        c.Level = _cells[parent].Level >> 1;
        c.Parent = parent;
        c.ChildNum = 0;
        return cell;
    }

    int NewLeaf(BarnesWorker w, int parent)
    {
        if (w.LeafCount == _leavesPerWorker)
            throw new InvalidOperationException($"BARNES: worker {w.Index} needs more than {_leavesPerWorker} leaves; increase fleaves");
        int leaf = w.LeafBase + w.LeafCount++;
        ref var l = ref _leaves[leaf];
        l.Mass = 0;
        l.Count = 0;
        l.Done = 0;
        l.Level = _cells[parent].Level >> 1;
        l.Parent = parent;
        l.ChildNum = 0;
        return leaf;
    }

    /// <summary>intcoord: the body's position mapped to [0, 2^62) per axis within the step's cube.</summary>
    (long X, long Y, long Z) IntCoord(int body)
    {
        ref readonly var p = ref _points[body];
        return (Axis(p.X, _rmin.X, body), Axis(p.Y, _rmin.Y, body), Axis(p.Z, _rmin.Z, body));
    }

    long Axis(double coordinate, double min, int body)
    {
        double xsc = (coordinate - min) / _rsize;
        if (!(0.0 <= xsc && xsc < 1.0))
            throw new InvalidOperationException($"BARNES: body {body} lies outside the step's bounding cube");
        return (long)Math.Floor(Imax * xsc);
    }

    /// <summary>subindex: the Gray-coded octant 4 x + 2 (x xor y) + (x xor y xor z) of the coordinate bits at <paramref name="level"/>.</summary>
    static int SubIndex(long x, long y, long z, long level)
    {
        int bx = (x & level) != 0 ? 1 : 0, by = (y & level) != 0 ? 1 : 0, bz = (z & level) != 0 ? 1 : 0;
        return 4 * bx + 2 * (bx ^ by) + (bx ^ by ^ bz);
    }

    /// <summary>
    /// hackcofm: the worker's leaves, then its cells, in reverse creation order (children before parents). A child
    /// made by another worker is waited for on its done flag under its hashed lock; each finished node sets its flag
    /// and wakes the waiters.
    /// </summary>
    async UTask CentreOfMass(BarnesWorker w)
    {
        for (int i = w.LeafCount - 1; i >= 0; i--)
        {
            int leaf = w.LeafBase + i;
            double mass = 0.0, px = 0, py = 0, pz = 0;
            long cost = 0;
            {
                ref readonly var l = ref _leaves[leaf];
                for (int k = 0; k < l.Count; k++)
                {
                    int b = l.Bodies[k];
                    ref readonly var p = ref _points[b];
                    Accumulate(ref mass, ref cost, ref px, ref py, ref pz, p.Mass, _s.Costs[b], p.X, p.Y, p.Z);
                }
                ref var target = ref _leaves[leaf];
                (target.Mass, target.X, target.Y, target.Z, target.Cost) = (mass, px / mass, py / mass, pz / mass, cost);
            }
            await MarkDone(NodeRef.OfLeaf(leaf));
        }
        for (int i = w.CellCount - 1; i >= 0; i--)
        {
            int cell = w.CellBase + i;
            double mass = 0.0, px = 0, py = 0, pz = 0;
            long cost = 0;
            for (int k = 0; k < 8; k++)
            {
                int child = _cells[cell].Children[k];
                if (child == NodeRef.Empty) continue;
                var gate = LockOf(child);
                await gate.LockAsync();
                while (Volatile.Read(ref DoneOf(child)) == 0) await gate.WaitAsync();
                gate.Unlock();
                if (NodeRef.IsCell(child))
                {
                    ref readonly var c = ref _cells[NodeRef.CellIndex(child)];
                    Accumulate(ref mass, ref cost, ref px, ref py, ref pz, c.Mass, c.Cost, c.X, c.Y, c.Z);
                }
                else
                {
                    ref readonly var l = ref _leaves[NodeRef.LeafIndex(child)];
                    Accumulate(ref mass, ref cost, ref px, ref py, ref pz, l.Mass, l.Cost, l.X, l.Y, l.Z);
                }
                await gate.LockAsync();
                Volatile.Write(ref DoneOf(child), 0);
                gate.Unlock();
            }
            ref var target = ref _cells[cell];
            (target.Mass, target.X, target.Y, target.Z, target.Cost) = (mass, px / mass, py / mass, pz / mass, cost);
            await MarkDone(NodeRef.OfCell(cell));
        }
    }

    /// <summary>Adds a body or child to a centre-of-mass sum: mass, cost and mass-weighted position.</summary>
    static void Accumulate(ref double mass, ref long cost, ref double px, ref double py, ref double pz, double m, long c, double x, double y, double z)
    {
        mass += m;
        cost += c;
        px += x * m;
        py += y * m;
        pz += z * m;
    }

    /// <summary>Sets a node's done flag under its hashed lock and wakes the workers waiting on that lock.</summary>
    async UTask MarkDone(int node)
    {
        var gate = LockOf(node);
        await gate.LockAsync();
        Volatile.Write(ref DoneOf(node), 1);
        gate.NotifyAll();
        gate.Unlock();
    }

    ref int DoneOf(int node) =>
        ref NodeRef.IsCell(node) ? ref _cells[NodeRef.CellIndex(node)].Done : ref _leaves[NodeRef.LeafIndex(node)].Done;

    long CostOf(int node) => NodeRef.IsCell(node) ? _cells[NodeRef.CellIndex(node)].Cost : _leaves[NodeRef.LeafIndex(node)].Cost;

    /// <summary>find_my_bodies: walks the tree in cost-zone order, skipping subtrees wholly before the zone, and takes the bodies inside it.</summary>
    void FindZone(BarnesWorker w, int node, long work, int direction)
    {
        if (!NodeRef.IsCell(node))
        {
            ref readonly var l = ref _leaves[NodeRef.LeafIndex(node)];
            for (int i = 0; i < l.Count; i++)
            {
                int b = l.Bodies[i];
                if (work >= w.WorkMin - .1)
                {
                    if (w.BodyCount == w.Bodies.Length) throw new InvalidOperationException($"BARNES: worker {w.Index} took more than {w.Bodies.Length} bodies");
                    w.Bodies[w.BodyCount++] = b;
                }
                work += _s.Costs[b];
                if (work >= w.WorkMax - .1) break;
            }
            return;
        }
        int cell = NodeRef.CellIndex(node);
        var order = CostZoneOrder.Child[direction];
        var next = CostZoneOrder.Next[direction];
        for (int i = 0; i < 8 && work < w.WorkMax - .1; i++)
        {
            int child = _cells[cell].Children[order[i]];
            if (child == NodeRef.Empty) continue;
            long cost = CostOf(child);
            if (work + cost >= w.WorkMin - .1) FindZone(w, child, work, next[i]);
            work += cost;
        }
    }

    /// <summary>Worker 0, between the position barrier and the next step: the step's diagnostics from all workers' partials.</summary>
    void Record(int step)
    {
        double mtot = 0, ke = 0, pe = 0;
        double cpx = 0, cpy = 0, cpz = 0, cvx = 0, cvy = 0, cvz = 0, amx = 0, amy = 0, amz = 0;
        long n2b = 0, nbc = 0, self = 0, cells = 0, leaves = 0;
        foreach (var w in _workers)
        {
            mtot += w.MassTotal; ke += w.Kinetic; pe += w.Potential;
            cpx += w.MassPosition.X; cpy += w.MassPosition.Y; cpz += w.MassPosition.Z;
            cvx += w.MassVelocity.X; cvy += w.MassVelocity.Y; cvz += w.MassVelocity.Z;
            amx += w.AngularMomentum.X; amy += w.AngularMomentum.Y; amz += w.AngularMomentum.Z;
            n2b += w.BodyBody; nbc += w.BodyCell; self += w.SelfMissed;
            cells += w.CellCount; leaves += w.LeafCount;
        }
        double time = 0;
        for (int s = 0; s < step; s++) time += _dtime;
        _diagnostics[step] = new StepDiagnostics(step, time, ke + pe, ke, pe,
            new Vector3d(cpx / mtot, cpy / mtot, cpz / mtot), new Vector3d(cvx / mtot, cvy / mtot, cvz / mtot),
            new Vector3d(amx, amy, amz), n2b, nbc, self, cells, leaves, _cells[0].Cost, _rsize, _rmin);
    }
}
