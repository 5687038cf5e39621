using System.Runtime.CompilerServices;
using Multikernel.Threads;

namespace Splash.Radiosity;

/// <summary>The scene: patches from the input polygons, their BSP tree, and the geometry on planes and vertices.</summary>
public sealed partial class HierarchicalRadiosity
{
    const double Coplanar = 5.0e-2;
    const int PointPositive = 1, PointNegative = 2;
    const int AnyPositive = 1 | 4 | 16, AnyNegative = 2 | 8 | 32;
    const float Third = (float)(1.0 / 3.0), Sixth = (float)(1.0 / 6.0);

    /// <summary>init_modeling_tasks: the first worker turns every input polygon into patches and inserts them.</summary>
    async UTask InitModelingTasks(RadiosityWorker w)
    {
        if (!await CheckTaskCounter()) return;
        var scene = Input.Scene;
        for (int i = 0; i < scene.Count; i++)
        {
            var polygon = scene[i];
            if (polygon.IsParallelogram) await ProcessParallelogram(w, polygon);
            else await ProcessTriangle(w, polygon);
        }
    }

    async UTask ProcessTriangle(RadiosityWorker w, ScenePolygon model)
    {
        int p = await NewInputPatch(w, model);
        await DefinePatch(w, p, _bspRoot);
    }

    /// <summary>A parallelogram p1 p2 p3 becomes the triangles (p1, p2, p3) and (p2 + p3 - p1, p3, p2), sharing edge p2-p3.</summary>
    async UTask ProcessParallelogram(RadiosityWorker w, ScenePolygon model)
    {
        int p = await NewInputPatch(w, model);
        int ev2 = _patches[p].Ev2, ev3 = _patches[p].Ev3;
        int q = await NewPatch();
        var q1 = new Vertex(model.P2.X + model.P3.X - model.P1.X, model.P2.Y + model.P3.Y - model.P1.Y, model.P2.Z + model.P3.Z - model.P1.Z);
        int qv1 = await NewVertex(w, q1);
        int qe12 = await NewEdge(w, qv1, ev3);
        int qe31 = await NewEdge(w, ev2, qv1);
        {
            ref var second = ref _patches[q];
            ref readonly var first = ref _patches[p];
            second.P1 = q1; second.P2 = model.P3; second.P3 = model.P2;
            second.Ev1 = qv1; second.Ev2 = ev3; second.Ev3 = ev2;
            second.E12 = qe12; second.E23 = first.E23; second.E31 = qe31;
            second.Plane = first.Plane;
            second.Area = first.Area;
            second.Color = first.Color;
            second.Emittance = first.Emittance;
            Project(ref second);
        }
        await DefinePatch(w, p, _bspRoot);
        await DefinePatch(w, q, _bspRoot);
    }

    /// <summary>process_triangle's first half: the patch (p1, p2, p3) of an input polygon with its vertices, edges, plane and area.</summary>
    async UTask<int> NewInputPatch(RadiosityWorker w, ScenePolygon model)
    {
        int p = await NewPatch();
        int ev1 = await NewVertex(w, model.P1), ev2 = await NewVertex(w, model.P2), ev3 = await NewVertex(w, model.P3);
        int e12 = await NewEdge(w, ev1, ev2), e23 = await NewEdge(w, ev2, ev3), e31 = await NewEdge(w, ev3, ev1);
        ref var patch = ref _patches[p];
        patch.P1 = model.P1; patch.P2 = model.P2; patch.P3 = model.P3;
        patch.Ev1 = ev1; patch.Ev2 = ev2; patch.Ev3 = ev3;
        patch.E12 = e12; patch.E23 = e23; patch.E31 = e31;
        float length = PlaneOf(model.P1, model.P2, model.P3, out patch.Plane);
        patch.Area = length * 0.5f;
        patch.Color = model.Reflectance;
        patch.Emittance = model.Emittance;
        Project(ref patch);
        return p;
    }

    /// <summary>
    /// define_patch: walks down the BSP tree under its lock, by which side of each node's plane the patch lies on, and
    /// hangs it at an empty slot (then refines form factors against every earlier patch), or splits it at a node whose
    /// plane it straddles and inserts the pieces from there.
    /// </summary>
    async UTask DefinePatch(RadiosityWorker w, int patch, int root)
    {
        int parent = root;
        await _bspLock.LockAsync();
        if (parent == NoPatch)
        {
            if (_bspRoot == NoPatch)
            {
                _bspRoot = patch;
                _patches[patch].BspPositive = _patches[patch].BspNegative = _patches[patch].BspParent = NoPatch;
                await AttachElement(patch);
                _bspLock.Unlock();
                return;
            }
            parent = _bspRoot;
        }
        while (true)
        {
            int crossing = PatchIntersection(in _patches[parent].Plane, in _patches[patch].P1, in _patches[patch].P2, in _patches[patch].P3);
            bool positive = PositiveSide(crossing);
            if (!positive && !NegativeSide(crossing))
            {
                _bspLock.Unlock();
                await SplitPatch(w, patch, parent, crossing);
                return;
            }
            int child = positive ? _patches[parent].BspPositive : _patches[parent].BspNegative;
            if (child != NoPatch)
            {
                parent = child;
                continue;
            }
            if (positive) _patches[parent].BspPositive = patch;
            else _patches[parent].BspNegative = patch;
            _patches[patch].BspParent = parent;
            await AttachElement(patch);
            _bspLock.Unlock();
            await RefineAgainstEarlier(w, _bspRoot, patch);
            return;
        }
    }

    /// <summary>foreach_patch_in_bsp(refine_newpatch): every patch of the tree, in order, against the new one.</summary>
    async UTask RefineAgainstEarlier(RadiosityWorker w, int node, int newPatch)
    {
        if (node == NoPatch) return;
        await RefineAgainstEarlier(w, _patches[node].BspNegative, newPatch);
        await RefineNewPatch(w, node, newPatch);
        await RefineAgainstEarlier(w, _patches[node].BspPositive, newPatch);
    }

    /// <summary>refine_newpatch: an earlier patch that faces the new one (and vice versa) gets a form-factor refinement task.</summary>
    async UTask RefineNewPatch(RadiosityWorker w, int patch, int newPatch)
    {
        if (patch >= newPatch) return;
        ref readonly var a = ref _patches[patch];
        ref readonly var b = ref _patches[newPatch];
        if (NegativeSide(PatchIntersection(in a.Plane, in b.P1, in b.P2, in b.P3))) return;
        if (NegativeSide(PatchIntersection(in b.Plane, in a.P1, in a.P2, in a.P3))) return;
        await CreateFormFactorTask(w, a.ElementRoot, b.ElementRoot);
    }

    /// <summary>split_patch: names the vertices so that the split is always of the same two shapes.</summary>
    UTask SplitPatch(RadiosityWorker w, int patch, int node, int crossing)
    {
        int c1 = crossing & 3, c2 = (crossing >> 2) & 3, c3 = (crossing >> 4) & 3;
        ref readonly var p = ref _patches[patch];
        if (c1 == c2) return SplitInto3(w, patch, p.Ev3, p.Ev1, p.Ev2, p.E31, p.E12, p.E23, node);
        if (c1 == c3) return SplitInto3(w, patch, p.Ev2, p.Ev3, p.Ev1, p.E23, p.E31, p.E12, node);
        if (c2 == c3) return SplitInto3(w, patch, p.Ev1, p.Ev2, p.Ev3, p.E12, p.E23, p.E31, node);
        if (c1 == 0) return SplitInto2(w, patch, p.Ev1, p.Ev2, p.Ev3, p.E12, p.E23, p.E31, node);
        if (c2 == 0) return SplitInto2(w, patch, p.Ev2, p.Ev3, p.Ev1, p.E23, p.E31, p.E12, node);
        return SplitInto2(w, patch, p.Ev3, p.Ev1, p.Ev2, p.E31, p.E12, p.E23, node);
    }

    /// <summary>split_into_3: P1 alone on one side; cuts P1-P2 at a and P1-P3 at b into P1-a-b, a-P2-P3 and a-P3-b.</summary>
    async UTask SplitInto3(RadiosityWorker w, int patch, int ev1, int ev2, int ev3, int e12, int e23, int e31, int parent)
    {
        ref readonly var plane = ref _patches[parent].Plane;
        float h1 = PlaneValue(in plane, in _vertices[ev1].P);
        float h2 = PlaneValue(in plane, in _vertices[ev2].P);
        float h3 = PlaneValue(in plane, in _vertices[ev3].P);
        float u2 = h1 / (h1 - h2);
        bool rev12 = _edges[e12].Pa == ev2;
        await SubdivideEdge(w, e12, rev12 ? u2 : 1.0f - u2);
        int evA = _edges[_edges[e12].Ea].Pb;
        float u3 = h1 / (h1 - h3);
        bool rev31 = _edges[e31].Pa == ev1;
        await SubdivideEdge(w, e31, rev31 ? 1.0f - u3 : u3);
        int evB = _edges[_edges[e31].Ea].Pb;

        float area = _patches[patch].Area;
        int first = await NewPatch();
        int eAB = await NewEdge(w, evA, evB);
        SetPiece(first, patch, ev1, evA, evB, !rev12 ? _edges[e12].Ea : _edges[e12].Eb, eAB, !rev31 ? _edges[e31].Eb : _edges[e31].Ea, u2 * u3 * area);
        await DefinePatch(w, first, parent);

        int second = await NewPatch();
        int e3A = await NewEdge(w, ev3, evA);
        SetPiece(second, patch, evA, ev2, ev3, !rev12 ? _edges[e12].Eb : _edges[e12].Ea, e23, e3A, (float)((1.0 - u2) * area));
        await DefinePatch(w, second, parent);

        SetPiece(patch, patch, evA, ev3, evB, e3A, !rev31 ? _edges[e31].Ea : _edges[e31].Eb, eAB, (float)(u2 * (1.0 - u3) * area));
        await DefinePatch(w, patch, parent);
    }

    /// <summary>split_into_2: P1 on the plane; cuts P2-P3 at a into P1-P2-a and P1-a-P3.</summary>
    async UTask SplitInto2(RadiosityWorker w, int patch, int ev1, int ev2, int ev3, int e12, int e23, int e31, int parent)
    {
        ref readonly var plane = ref _patches[parent].Plane;
        float h2 = PlaneValue(in plane, in _vertices[ev2].P);
        float h3 = PlaneValue(in plane, in _vertices[ev3].P);
        float u2 = h2 / (h2 - h3);
        bool rev23 = _edges[e23].Pa == ev3;
        await SubdivideEdge(w, e23, rev23 ? u2 : 1.0f - u2);
        int evA = _edges[_edges[e23].Ea].Pb;

        float area = _patches[patch].Area;
        int first = await NewPatch();
        int eA1 = await NewEdge(w, evA, ev1);
        SetPiece(first, patch, ev1, ev2, evA, e12, !rev23 ? _edges[e23].Ea : _edges[e23].Eb, eA1, u2 * area);
        await DefinePatch(w, first, parent);

        SetPiece(patch, patch, ev1, evA, ev3, eA1, !rev23 ? _edges[e23].Eb : _edges[e23].Ea, e31, (float)((1.0 - u2) * area));
        await DefinePatch(w, patch, parent);
    }

    /// <summary>
    /// Makes patch <paramref name="target"/> the piece ev1-ev2-ev3 of a split patch, with its edges and area; plane,
    /// reflectance and emittance are those of <paramref name="source"/> (the patch being split, possibly the target).
    /// </summary>
    void SetPiece(int target, int source, int ev1, int ev2, int ev3, int e12, int e23, int e31, float area)
    {
        ref var n = ref _patches[target];
        ref readonly var o = ref _patches[source];
        n.P1 = _vertices[ev1].P; n.P2 = _vertices[ev2].P; n.P3 = _vertices[ev3].P;
        n.Ev1 = ev1; n.Ev2 = ev2; n.Ev3 = ev3;
        n.E12 = e12; n.E23 = e23; n.E31 = e31;
        n.Plane = o.Plane;
        n.Area = area;
        n.Color = o.Color;
        n.Emittance = o.Emittance;
        Project(ref n);
    }

    /// <summary>attach_element: the patch's root element (same triangle), radiosity = emittance. Called under the BSP lock.</summary>
    async UTask AttachElement(int patch)
    {
        int e = await NewElement();
        ref readonly var p = ref _patches[patch];
        ref var el = ref _elements[e];
        el.Patch = patch;
        el.Ev1 = p.Ev1; el.Ev2 = p.Ev2; el.Ev3 = p.Ev3;
        el.E12 = p.E12; el.E23 = p.E23; el.E31 = p.E31;
        el.Area = p.Area;
        el.Rad = p.Emittance;
        _patches[patch].ElementRoot = e;
    }

    async UTask<int> NewPatch()
    {
        await _patchListLock.LockAsync();
        if (_patchCount == MaxPatches)
        {
            _patchListLock.Unlock();
            throw new InvalidOperationException($"RADIOSITY: ran out of patches ({MaxPatches} at most)");
        }
        int p = _patchCount++;
        _patchListLock.Unlock();
        _patches[p] = default;
        _patches[p].BspPositive = _patches[p].BspNegative = _patches[p].BspParent = NoPatch;
        return p;
    }

    async UTask<int> NewElement()
    {
        await _elementListLock.LockAsync();
        int e;
        try { e = _elements.Reserve(1, "elements"); }
        finally { _elementListLock.Unlock(); }
        _elements[e] = default;
        return e;
    }

    /// <summary>get_elemvertex: from the worker's chunk of 16, refilled from the global arena under its lock.</summary>
    async UTask<int> NewVertex(RadiosityWorker w, Vertex p)
    {
        if (w.VerticesLeft == 0)
        {
            await _vertexListLock.LockAsync();
            try { w.NextVertex = _vertices.Reserve(RadiosityWorker.ObjectsPerChunk, "element vertices"); }
            finally { _vertexListLock.Unlock(); }
            w.VerticesLeft = RadiosityWorker.ObjectsPerChunk;
        }
        int v = w.NextVertex++;
        w.VerticesLeft--;
        _vertices[v] = new ElementVertex { P = p };
        return v;
    }

    /// <summary>get_edge + create_edge: an edge a-b from the worker's chunk of 16.</summary>
    async UTask<int> NewEdge(RadiosityWorker w, int a, int b)
    {
        if (w.EdgesLeft == 0)
        {
            await _edgeListLock.LockAsync();
            try { w.NextEdge = _edges.Reserve(RadiosityWorker.ObjectsPerChunk, "edges"); }
            finally { _edgeListLock.Unlock(); }
            w.EdgesLeft = RadiosityWorker.ObjectsPerChunk;
        }
        int e = w.NextEdge++;
        w.EdgesLeft--;
        _edges[e] = new Edge { Pa = a, Pb = b };
        return e;
    }

    /// <summary>subdivide_edge: under the edge's lock, unless already split, the point a x A + (1 - a) x B and the two halves.</summary>
    async UTask SubdivideEdge(RadiosityWorker w, int edge, float aRatio)
    {
        var gate = EdgeLock(edge);
        await gate.LockAsync();
        if (_edges[edge].Ea != 0)
        {
            gate.Unlock();
            return;
        }
        float bRatio = 1.0f - aRatio;
        ref readonly var pa = ref _vertices[_edges[edge].Pa].P;
        ref readonly var pb = ref _vertices[_edges[edge].Pb].P;
        var middle = new Vertex(aRatio * pa.X + bRatio * pb.X, aRatio * pa.Y + bRatio * pb.Y, aRatio * pa.Z + bRatio * pb.Z);
        int mid = await NewVertex(w, middle);
        int am = await NewEdge(w, _edges[edge].Pa, mid);
        int mb = await NewEdge(w, mid, _edges[edge].Pb);
        _edges[edge].Eb = mb;
        Volatile.Write(ref _edges[edge].Ea, am);
        gate.Unlock();
    }

    // ---- planes and vectors (float, in the reference's order of operations) ------------------------------------

    /// <summary>plane_equ: H(P) = C + x Nx + y Ny + z Nz.</summary>
    static float PlaneValue(in PlaneEquation plane, in Vertex p) => plane.C + p.X * plane.N.X + p.Y * plane.N.Y + p.Z * plane.N.Z;

    /// <summary>point_intersection: positive (1) or negative (2) side beyond +-0.05, else on the plane (0).</summary>
    static int PointIntersection(in PlaneEquation plane, in Vertex p)
    {
        float h = PlaneValue(in plane, in p);
        int code = 0;
        if (h < -Coplanar) code |= PointNegative;
        if (h > Coplanar) code |= PointPositive;
        return code;
    }

    /// <summary>patch_intersection: the three vertices' codes, P1 in the low bits.</summary>
    static int PatchIntersection(in PlaneEquation plane, in Vertex p1, in Vertex p2, in Vertex p3) =>
        (PointIntersection(in plane, in p3) << 4) | (PointIntersection(in plane, in p2) << 2) | PointIntersection(in plane, in p1);

    static bool PositiveSide(int code) => (code & AnyNegative) == 0;

    static bool NegativeSide(int code) => (code & AnyPositive) == 0;

    /// <summary>comp_plane_equ: the unit normal of (p2 - p1) x (p3 - p1) and C = -N.p1; returns |(p2 - p1) x (p3 - p1)|.</summary>
    static float PlaneOf(in Vertex p1, in Vertex p2, in Vertex p3, out PlaneEquation plane)
    {
        var v1 = new Vertex(p2.X - p1.X, p2.Y - p1.Y, p2.Z - p1.Z);
        var v2 = new Vertex(p3.X - p1.X, p3.Y - p1.Y, p3.Z - p1.Z);
        var n = new Vertex(v1.Y * v2.Z - v1.Z * v2.Y, v1.Z * v2.X - v1.X * v2.Z, v1.X * v2.Y - v1.Y * v2.X);
        float length = Normalize(ref n);
        plane = new PlaneEquation { N = n, C = -Dot(in n, in p1) };
        return length;
    }

    /// <summary>inner_product.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static float Dot(in Vertex a, in Vertex b)
    {
        float ip = a.X * b.X;
        ip += a.Y * b.Y;
        ip += a.Z * b.Z;
        return ip;
    }

    /// <summary>vector_length: squares in float, their sum and root in double, rounded to float.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static float Length(in Vertex v)
    {
        double t0 = v.X * v.X, t1 = v.Y * v.Y, t2 = v.Z * v.Z;
        return (float)Math.Sqrt(t0 + t1 + t2);
    }

    /// <summary>normalize_vector (in place); returns the length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static float Normalize(ref Vertex v)
    {
        float length = Length(in v);
        float t0 = 1.0f / length;
        v.X *= t0; v.Y *= t0; v.Z *= t0;
        return length;
    }

    /// <summary>center_point: (p1 + p2 + p3) / 3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vertex Centre(in Vertex p1, in Vertex p2, in Vertex p3) =>
        new((p1.X + p2.X + p3.X) * Third, (p1.Y + p2.Y + p3.Y) * Third, (p1.Z + p2.Z + p3.Z) * Third);
}
