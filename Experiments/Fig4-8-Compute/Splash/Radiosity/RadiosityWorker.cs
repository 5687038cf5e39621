namespace Splash.Radiosity;

/// <summary>
/// One worker's private state (the reference's per-processor vis_struct, sobj_struct and task_struct): its queue, its
/// two-entry patch cache and ray pools for visibility tests, its current chunks of vertices and edges, and its
/// allocation probe. Touched only by its worker.
/// </summary>
sealed class RadiosityWorker(int index)
{
    public const int MaxRays = 16;
    public const int ObjectsPerChunk = 16;

    public readonly int Index = index;

    // Visibility test of the current pair (v_src_*, v_dest_*), the rays and their start points.
    public int SourcePatch, DestinationPatch;
    public Vertex SourceP1, SourceV12, SourceV13, DestinationP1, DestinationV12, DestinationV13;
    public readonly Vertex[] RayStarts = new Vertex[MaxRays];
    public readonly Vertex[] Rays = new Vertex[MaxRays];
    public int DestinationHits;
    /// <summary>Patch cache: the last patches that blocked a ray, most recent first (<see cref="HierarchicalRadiosity.NoPatch"/> when empty).</summary>
    public int Cache0 = HierarchicalRadiosity.NoPatch, Cache1 = HierarchicalRadiosity.NoPatch;

    // Local chunks of element vertices and edges taken from the global arenas.
    public int NextVertex, VerticesLeft, NextEdge, EdgesLeft;

    /// <summary>Bytes this worker's thread allocated during the iterations (gathering and refinement).</summary>
    public long RefinementBytes;

    public void Reset()
    {
        Cache0 = Cache1 = HierarchicalRadiosity.NoPatch;
        NextVertex = VerticesLeft = NextEdge = EdgesLeft = 0;
        RefinementBytes = 0;
    }
}
