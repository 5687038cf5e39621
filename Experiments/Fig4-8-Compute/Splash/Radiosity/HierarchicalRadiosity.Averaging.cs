using Multikernel.Threads;

namespace Splash.Radiosity;

/// <summary>After convergence: radiosity averaged onto the element vertices (for display), as two more task phases.</summary>
public sealed partial class HierarchicalRadiosity
{
    /// <summary>init_radavg_tasks: the first worker queues one task per patch, patch s on queue s mod Q.</summary>
    async UTask InitAveragingTasks(RadiosityWorker w, AveragingMode mode)
    {
        if (!await CheckTaskCounter()) return;
        await QueueAveragingTasks(_bspRoot, mode);
    }

    async UTask QueueAveragingTasks(int node, AveragingMode mode)
    {
        if (node == NoPatch) return;
        await QueueAveragingTasks(_patches[node].BspNegative, mode);
        await Enqueue(node % _workerCount, new RadiosityTask(RadiosityTaskKind.RadiosityAverage, _patches[node].ElementRoot, (int)mode), append: false);
        await QueueAveragingTasks(_patches[node].BspPositive, mode);
    }

    /// <summary>create_radavg_task: inline for an element with few interactions or when the queue is too long, else a task.</summary>
    async UTask CreateAveragingTask(RadiosityWorker w, int e, AveragingMode mode)
    {
        if (_elements[e].InteractionCount < Input.ParallelRefineMinimum || await OwnQueueTooLong(w))
        {
            await Average(w, e, mode);
            return;
        }
        await Enqueue(w.Index, new RadiosityTask(RadiosityTaskKind.RadiosityAverage, e, (int)mode), append: false);
    }

    /// <summary>radiosity_averaging: descends to the leaves; a leaf adds to (or normalises) the vertices on its edges.</summary>
    async UTask Average(RadiosityWorker w, int e, AveragingMode mode)
    {
        if (!IsLeaf(e))
        {
            await CreateAveragingTask(w, _elements[e].Center, mode);
            await CreateAveragingTask(w, _elements[e].Top, mode);
            await CreateAveragingTask(w, _elements[e].Right, mode);
            await CreateAveragingTask(w, _elements[e].Left, mode);
            return;
        }
        int ev1 = _elements[e].Ev1, ev2 = _elements[e].Ev2, ev3 = _elements[e].Ev3;
        if (mode == AveragingMode.Average)
        {
            int e12 = _elements[e].E12, e23 = _elements[e].E23, e31 = _elements[e].E31;
            await AddAlongEdge(e, e12, _edges[e12].Pa == ev2);
            await AddAlongEdge(e, e23, _edges[e23].Pa == ev3);
            await AddAlongEdge(e, e31, _edges[e31].Pa == ev1);
            return;
        }
        await NormalizeVertex(ev1);
        await NormalizeVertex(ev2);
        await NormalizeVertex(ev3);
    }

    /// <summary>foreach_leaf_edge(add_radiosity_to_vertex): every leaf piece of the edge, in the element's direction, adds to its first vertex.</summary>
    async UTask AddAlongEdge(int e, int edge, bool reverse)
    {
        if (edge == 0) return;
        int ea = _edges[edge].Ea, eb = _edges[edge].Eb;
        if (ea == 0 && eb == 0)
        {
            int v = reverse ? _edges[edge].Pb : _edges[edge].Pa;
            float weight = _elements[e].Area;
            var gate = VertexLock(v);
            await gate.LockAsync();
            ref var ev = ref _vertices[v];
            ref readonly var rad = ref _elements[e].Rad;
            ev.Color.R += rad.R * weight;
            ev.Color.G += rad.G * weight;
            ev.Color.B += rad.B * weight;
            ev.Weight += weight;
            gate.Unlock();
            return;
        }
        int first = reverse ? eb : ea, second = reverse ? ea : eb;
        if (first != 0) await AddAlongEdge(e, first, reverse);
        if (second != 0) await AddAlongEdge(e, second, reverse);
    }

    async UTask NormalizeVertex(int v)
    {
        var gate = VertexLock(v);
        await gate.LockAsync();
        ref var ev = ref _vertices[v];
        if (ev.Weight != 1.0f)
        {
            float inverse = 1.0f / ev.Weight;
            ev.Color.R *= inverse;
            ev.Color.G *= inverse;
            ev.Color.B *= inverse;
            ev.Weight = 1.0f;
        }
        gate.Unlock();
    }
}
