using Multikernel.Threads;
using Splash.Team;

namespace Splash.Radiosity;

/// <summary>
/// SPLASH-2 RADIOSITY (hierarchical diffuse radiosity after Hanrahan, Salzman and Aupperle) as a team program.
/// <para>The first worker to arrive builds the scene's patches and inserts them into a BSP tree (splitting those that
/// straddle a node's plane) while the others already refine form factors between each new patch and the earlier ones
/// from the task queues. Then each iteration gathers light: the first worker checks convergence and queues one task
/// per patch (patch s into queue (s >> 2) mod Q, groups of four); a task analyses the B F error of each interaction of
/// its element, refines the large ones by subdividing the larger of receiver and source into four (new interactions
/// need their visibility computed: 10 fixed rays cast through the BSP tree with a two-entry patch cache, in batches
/// that may become tasks), gathers the element's radiosity, pushes it down to the children as new tasks and pulls their
/// results up when the last child finishes. After convergence two more task phases average the radiosity onto
/// vertices.</para>
/// <para>Parallelism is that of the reference: one lock-protected task queue per worker, new subtasks pushed on the
/// creator's queue unless it holds more than -tq tasks or the task is small, idle workers stealing from the tail of
/// the others' queues (visiting q-1, q+1, q-2, ...), a polling barrier that keeps looking for tasks while it waits (at
/// the queues' published counts, without their locks), then a team barrier. Locks: each element, edge and vertex uses one of 3900 shared locks (elements and edges in separate
/// halves), each queue has its lock, and global locks guard the BSP tree, the energy sum, the task counter, the polling
/// barrier and the free lists. The task free lists of the reference are not needed (tasks are values in the queues).
/// All arithmetic is in single precision in the reference's order, so one worker reproduces its results exactly;
/// with more workers the order in which energy is gathered changes the refinement, as in the reference.</para>
/// </summary>
public sealed partial class HierarchicalRadiosity : TeamProgram
{
    public const int NoPatch = -1;
    public const float VisibilityUndefined = -1.0f;
    const int MaxPatches = 1024;
    const int SharedLocks = 3900, SharedLockSegment = SharedLocks / 2;
    const int MaxTrace = 256;

    readonly ITeamRuntime _team;
    readonly int _workerCount;
    readonly Patch[] _patches = new Patch[MaxPatches];
    int _patchCount;
    readonly Arena<Element> _elements;
    readonly Arena<Interaction> _interactions;
    readonly Arena<ElementVertex> _vertices;
    readonly Arena<Edge> _edges;
    int _freeInteraction;

    readonly TeamLock[] _shared = new TeamLock[SharedLocks];
    readonly TeamLock _bspLock, _energyLock, _taskCounterLock, _pollLock;
    readonly TeamLock _patchListLock, _elementListLock, _interactionListLock, _vertexListLock, _edgeListLock;
    readonly TeamBarrier _barrier;
    readonly TaskQueue[] _queues;
    readonly RadiosityWorker[] _workers;

    // Shared state of the iteration (reference: global->*).
    int _bspRoot = NoPatch;
    bool _converged;
    Rgb _previousEnergy, _totalEnergy;
    float _totalArea;
    int _iterations;
    int _taskCounter;
    int _pollCount;
    readonly EnergyTrace[] _trace = new EnergyTrace[MaxTrace];
    int _traceCount;

    public HierarchicalRadiosity(RadiosityInput input, ITeamRuntime team)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(team);
        RefuseEndlessRun(input);
        Input = input;
        _team = team;
        _workerCount = team.Workers;

        // The reference's pool sizes, which grow as BF epsilon shrinks; our arenas only allocate what a run uses.
        long elements = 100_000, interactions = 1_000_000, vertices = 100_000, edges = 100_000;
        if (input.BfEpsilon <= 0.00002) { elements *= 30; interactions *= 50; vertices *= 30; edges *= 30; }
        else if (input.BfEpsilon <= 0.0002) { elements *= 20; interactions *= 30; vertices *= 20; edges *= 20; }
        else if (input.BfEpsilon <= 0.002) { elements *= 10; interactions *= 20; vertices *= 10; edges *= 10; }
        _elements = new Arena<Element>((int)elements + 1);
        _interactions = new Arena<Interaction>((int)interactions + 1);
        _vertices = new Arena<ElementVertex>((int)vertices + 1);
        _edges = new Arena<Edge>((int)edges + 1);

        for (int i = 0; i < SharedLocks; i++) _shared[i] = team.NewLock();
        _bspLock = team.NewLock();
        _energyLock = team.NewLock();
        _taskCounterLock = team.NewLock();
        _pollLock = team.NewLock();
        _patchListLock = team.NewLock();
        _elementListLock = team.NewLock();
        _interactionListLock = team.NewLock();
        _vertexListLock = team.NewLock();
        _edgeListLock = team.NewLock();
        _barrier = team.NewBarrier();
        _queues = new TaskQueue[_workerCount];
        _workers = new RadiosityWorker[_workerCount];
        for (int q = 0; q < _workerCount; q++)
        {
            _queues[q] = new TaskQueue(team.NewLock());
            _workers[q] = new RadiosityWorker(q);
        }
    }

    public RadiosityInput Input { get; }

    /// <summary>
    /// Refuses an input whose run could never end: a scene that emits no light (its total energy stays 0, and the
    /// convergence test compares 0 with 0 + 1e-4 every iteration), an energy epsilon below 0 or not a number (no
    /// difference is ever at most it), fewer than one visibility computation per task.
    /// </summary>
    static void RefuseEndlessRun(RadiosityInput input)
    {
        if (!input.Scene.Any(p => p.Emittance.R > 0 || p.Emittance.G > 0 || p.Emittance.B > 0))
            throw new ArgumentException($"RADIOSITY: the scene of {input.Scene.Count} polygons emits no light, so its energy never converges", nameof(input));
        if (!(input.EnergyEpsilon >= 0))
            throw new ArgumentException($"RADIOSITY: energy epsilon (-en) {input.EnergyEpsilon} is not a number of at least 0, so the energy never converges", nameof(input));
        if (input.VisibilityPerTask < 1)
            throw new ArgumentException($"RADIOSITY: {input.VisibilityPerTask} visibility computations per task (-pv); at least 1", nameof(input));
    }

    /// <summary>Runs the whole program on the team from an empty scene; every run starts afresh.</summary>
    public RadiosityRun Run()
    {
        Reset();
        double seconds = _team.RunTeam(this).TotalSeconds;
        long bytes = 0;
        foreach (var w in _workers) bytes += w.RefinementBytes;
        return new RadiosityRun(seconds, _workerCount, _iterations, _trace.AsSpan(0, _traceCount).ToArray(), CountStatistics(), bytes);
    }

    void Reset()
    {
        _patchCount = 0;
        _elements.Reset();
        _interactions.Reset();
        _vertices.Reset();
        _edges.Reset();
        _freeInteraction = 0;
        foreach (var q in _queues) q.Clear();
        foreach (var w in _workers) w.Reset();
        _bspRoot = NoPatch;
        _converged = false;
        _previousEnergy = new Rgb(0, 0, 0);
        _totalEnergy = new Rgb(1, 1, 1);
        _totalArea = 1;
        _iterations = -1;
        _taskCounter = 0;
        _pollCount = 0;
        _traceCount = 0;
    }

    public override async UTask RunWorker(int worker)
    {
        var w = _workers[worker];
        await InitModelingTasks(w);
        await ProcessTasks(w);

        long before = GC.GetAllocatedBytesForCurrentThread();
        while (await InitRayTasks(w))
        {
            await _barrier.SignalAndWaitAsync();
            await ProcessTasks(w);
        }
        w.RefinementBytes = GC.GetAllocatedBytesForCurrentThread() - before;
        await _barrier.SignalAndWaitAsync();

        await InitAveragingTasks(w, AveragingMode.Average);
        await ProcessTasks(w);
        await InitAveragingTasks(w, AveragingMode.Normalize);
        await ProcessTasks(w);
    }

    /// <summary>check_task_counter: true for the first of each round of <c>Workers</c> callers.</summary>
    async UTask<bool> CheckTaskCounter()
    {
        await _taskCounterLock.LockAsync();
        bool first = _taskCounter == 0;
        if (++_taskCounter >= _workerCount) _taskCounter = 0;
        _taskCounterLock.Unlock();
        return first;
    }

    /// <summary>
    /// init_ray_tasks: the first worker of the round checks convergence, resets the energy sum, counts the iteration and,
    /// unless converged, queues one gathering task per patch; the others read the verdict. True while not converged.
    /// </summary>
    async UTask<bool> InitRayTasks(RadiosityWorker w)
    {
        await _energyLock.LockAsync();
        if (!await CheckTaskCounter())
        {
            bool done = _converged;
            _energyLock.Unlock();
            return !done;
        }
        bool converged = CheckConvergence();
        _converged = converged;
        _previousEnergy = _totalEnergy;
        _totalEnergy = new Rgb(0, 0, 0);
        _totalArea = 0;
        _iterations++;
        _energyLock.Unlock();
        if (converged) return false;
        await QueueRayTasks(w, _bspRoot);
        return true;
    }

    /// <summary>In BSP in-order: clears each root element's incoming radiosity and appends its task to queue (seq >> 2) mod Q.</summary>
    async UTask QueueRayTasks(RadiosityWorker w, int node)
    {
        if (node == NoPatch) return;
        await QueueRayTasks(w, _patches[node].BspNegative);
        int root = _patches[node].ElementRoot;
        _elements[root].RadIn = new Rgb(0, 0, 0);
        await Enqueue((node >> 2) % _workerCount, new RadiosityTask(RadiosityTaskKind.Ray, root), append: true);
        await QueueRayTasks(w, _patches[node].BspPositive);
    }

    /// <summary>radiosity_converged: |E / (E_previous + 1e-4) - 1| &lt;= -en, summing R + G + B in float.</summary>
    bool CheckConvergence()
    {
        float previous = _previousEnergy.R + _previousEnergy.G + _previousEnergy.B;
        float current = _totalEnergy.R + _totalEnergy.G + _totalEnergy.B;
        previous = (float)(previous + 1.0e-4);
        float difference = Math.Abs(current / previous - 1.0f);
        if (_traceCount < MaxTrace) _trace[_traceCount++] = new EnergyTrace(_totalEnergy, difference);
        return difference <= Input.EnergyEpsilon;
    }

    TeamLock ElementLock(int element) => _shared[SharedLockSegment + element % SharedLockSegment];

    TeamLock EdgeLock(int edge) => _shared[edge % SharedLockSegment];

    TeamLock VertexLock(int vertex) => _shared[vertex % SharedLocks];

    /// <summary>
    /// True while the element has no children. Read without the element's lock by a ray task (process_rays3) while
    /// another worker may be subdividing the element as an interaction's source: the acquire read pairs with the release
    /// write of Center in <see cref="SubdivideElement"/>, so a reader that sees a child sees Top, Left and Right too. On
    /// x86-64 (TSO) a plain read orders the same way, as the original C relies on; a weakly ordered CPU (ARM64, where
    /// this program also runs, on Stopwatch time) needs the acquire.
    /// </summary>
    bool IsLeaf(int element) => Volatile.Read(ref _elements[element].Center) == 0;

    /// <summary>
    /// The interactions of every patch's root element after a run (receiver patch, its area, source patch, form factor,
    /// visibility), for tests on scenes where nothing is refined.
    /// </summary>
    internal IEnumerable<(int Patch, float Area, int Source, float FormFactor, float Visibility)> RootInteractions()
    {
        for (int p = 0; p < _patchCount; p++)
        {
            int root = _patches[p].ElementRoot;
            for (int i = _elements[root].Interactions; i != 0; i = _interactions[i].Next)
                yield return (p, _elements[root].Area, _elements[_interactions[i].Destination].Patch, _interactions[i].FormFactor, _interactions[i].Visibility);
        }
    }

    /// <summary>The statistics as print_statistics counts them (after a run, on the calling thread).</summary>
    RadiosityStatistics CountStatistics()
    {
        int patches = 0, elements = 0;
        long interactions = 0, visible = 0, invisible = 0;
        var stack = new Stack<int>();
        var patchStack = new Stack<int>();
        if (_bspRoot != NoPatch) patchStack.Push(_bspRoot);
        while (patchStack.Count > 0)
        {
            int p = patchStack.Pop();
            patches++;
            if (_patches[p].BspNegative != NoPatch) patchStack.Push(_patches[p].BspNegative);
            if (_patches[p].BspPositive != NoPatch) patchStack.Push(_patches[p].BspPositive);
            stack.Push(_patches[p].ElementRoot);
            while (stack.Count > 0)
            {
                int e = stack.Pop();
                ref readonly var el = ref _elements[e];
                elements++;
                interactions += el.InteractionCount;
                int listed = 0;
                for (int i = el.Interactions; i != 0; i = _interactions[i].Next)
                {
                    listed++;
                    float v = _interactions[i].Visibility;
                    if (v == 0.0f) invisible++;
                    else if (v == 1.0f) visible++;
                }
                if (listed != el.InteractionCount)
                    throw new InvalidOperationException($"RADIOSITY: element {e} lists {listed} interactions but counts {el.InteractionCount}");
                if (el.VisibilityUndefined != 0 || el.VisibilityUndefinedCount != 0)
                    throw new InvalidOperationException($"RADIOSITY: element {e} still has interactions of unknown visibility after the run");
                if (el.Center != 0)
                {
                    stack.Push(el.Center); stack.Push(el.Top); stack.Push(el.Left); stack.Push(el.Right);
                }
            }
        }
        return new RadiosityStatistics(patches, elements, interactions, visible, invisible, interactions - visible - invisible);
    }
}
