using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Splash.Radiosity;

/// <summary>
/// Visibility between two elements: 10 test rays between fixed jittered points of the two triangles, each cast through
/// the BSP tree from the source patch's node outwards (in order along the ray, pruning subtrees outside the ray's
/// remaining range), after a look in the worker's two-entry cache of recent blockers. The visibility is the fraction
/// of rays that reach the destination patch. Runs on the worker's own state only; reads the scene, which no worker
/// changes during the iterations.
/// </summary>
public sealed partial class HierarchicalRadiosity
{
    const int VisibilityRays = 10;
    const double RangeMargin = 0.01;
    const float Zero = (float)1.0e-6;
    const int OnPlane = 0, PositiveOnly = 1, NegativeOnly = 2, PositiveFirst = 3, NegativeFirst = 4;

    /// <summary>The barycentric coordinates of the test points on the source (column 0) and destination (column 1): 16 pairs, 10 used.</summary>
    static readonly float[] SourceU = new float[RadiosityWorker.MaxRays], SourceV = new float[RadiosityWorker.MaxRays];
    static readonly float[] DestinationU = new float[RadiosityWorker.MaxRays], DestinationV = new float[RadiosityWorker.MaxRays];

    static HierarchicalRadiosity()
    {
        // The triangle is cut into 16 small triangles; rays join pairs of them chosen so that rays spread evenly
        // (corners straight across, neighbours of the corners rotated left, of the centre rotated right, the centre
        // straight, the perimeter rotated both ways). In units of 1/12.
        (int su, int sv, int du, int dv)[] pairs =
        [
            (1, 1, 1, 1), (1, 10, 1, 10), (10, 1, 10, 1),
            (2, 2, 8, 2), (2, 8, 2, 2), (8, 2, 2, 8),
            (2, 5, 5, 5), (5, 5, 5, 2), (5, 2, 2, 5),
            (4, 4, 4, 4),
            (1, 7, 5, 4), (5, 4, 4, 1), (4, 1, 1, 7),
            (1, 4, 7, 1), (4, 7, 1, 4), (7, 1, 4, 7),
        ];
        const double tick = 1.0 / 12.0;
        for (int i = 0; i < pairs.Length; i++)
        {
            SourceU[i] = (float)(tick * pairs[i].su);
            SourceV[i] = (float)(tick * pairs[i].sv);
            DestinationU[i] = (float)(tick * pairs[i].du);
            DestinationV[i] = (float)(tick * pairs[i].dv);
        }
    }

    /// <summary>compute_visibility_values: the visibility of each interaction of the batch that does not have one yet.</summary>
    void ComputeVisibilities(RadiosityWorker w, int e, int inter, int count)
    {
        for (; count > 0; inter = _interactions[inter].Next, count--)
        {
            if (_interactions[inter].Visibility != VisibilityUndefined) continue;
            _interactions[inter].Visibility = Visibility(w, e, _interactions[inter].Destination);
        }
    }

    /// <summary>visibility: the fraction of test rays from <paramref name="source"/> that reach <paramref name="destination"/>.</summary>
    float Visibility(RadiosityWorker w, int source, int destination)
    {
        ref readonly var e1 = ref _elements[source];
        ref readonly var e2 = ref _elements[destination];
        w.SourcePatch = e1.Patch;
        w.DestinationPatch = e2.Patch;
        w.SourceP1 = _vertices[e1.Ev1].P;
        w.SourceV12 = Minus(in _vertices[e1.Ev2].P, in w.SourceP1);
        w.SourceV13 = Minus(in _vertices[e1.Ev3].P, in w.SourceP1);
        w.DestinationP1 = _vertices[e2.Ev1].P;
        w.DestinationV12 = Minus(in _vertices[e2.Ev2].P, in w.DestinationP1);
        w.DestinationV13 = Minus(in _vertices[e2.Ev3].P, in w.DestinationP1);
        TestRays(w, VisibilityRays);

        float rangeMin = (float)-RangeMargin, rangeMax = (float)(1.0 + RangeMargin);
        w.DestinationHits = 0;
        int rejected = 0;
        ref readonly var sourceNormal = ref _patches[w.SourcePatch].Plane.N;
        ref readonly var destinationNormal = ref _patches[w.DestinationPatch].Plane.N;
        for (int i = 0; i < VisibilityRays; i++)
        {
            ref readonly var ray = ref w.Rays[i];
            if (Dot(in ray, in sourceNormal) <= 0f || Dot(in ray, in destinationNormal) >= 0f)
            {
                rejected++;
                continue;
            }
            TraverseBsp(w, w.SourcePatch, in w.RayStarts[i], in ray, rangeMin, rangeMax);
        }
        // Every ray trivially rejected (no ray joins the visible parts): count the pair as partly visible.
        if (rejected == VisibilityRays) w.DestinationHits = 1;
        return (float)w.DestinationHits / (float)VisibilityRays;
    }

    static Vertex Minus(in Vertex a, in Vertex b) => new(a.X - b.X, a.Y - b.Y, a.Z - b.Z);

    /// <summary>get_test_rays: ray i from source point i to destination point i (the ray vector spans the pair).</summary>
    static void TestRays(RadiosityWorker w, int count)
    {
        for (int i = 0; i < count; i++)
        {
            float f1 = SourceU[i], f2 = SourceV[i];
            var s = new Vertex(
                w.SourceP1.X + w.SourceV12.X * f1 + w.SourceV13.X * f2,
                w.SourceP1.Y + w.SourceV12.Y * f1 + w.SourceV13.Y * f2,
                w.SourceP1.Z + w.SourceV12.Z * f1 + w.SourceV13.Z * f2);
            f1 = DestinationU[i]; f2 = DestinationV[i];
            var d = new Vertex(
                w.DestinationP1.X + w.DestinationV12.X * f1 + w.DestinationV13.X * f2,
                w.DestinationP1.Y + w.DestinationV12.Y * f1 + w.DestinationV13.Y * f2,
                w.DestinationP1.Z + w.DestinationV12.Z * f1 + w.DestinationV13.Z * f2);
            w.RayStarts[i] = s;
            w.Rays[i] = new Vertex(d.X - s.X, d.Y - s.Y, d.Z - s.Z);
        }
    }

    /// <summary>
    /// traverse_bsp: the cached blockers first, then the source node's positive subtree, then each ancestor (tested
    /// itself if the ray crosses its plane in range) and its subtree on the other side. True when something was hit
    /// (the destination counts its hits itself).
    /// </summary>
    bool TraverseBsp(RadiosityWorker w, int sourceNode, in Vertex p, in Vertex ray, float rMin, float rMax)
    {
        if (CheckPatchCache(w, in p, in ray, rMin, rMax)) return true;
        if (TraverseSubtree(w, _patches[sourceNode].BspPositive, in p, in ray, rMin, rMax)) return true;
        float t = 0.0f;
        for (int child = sourceNode, parent = _patches[sourceNode].BspParent; parent != NoPatch; child = parent, parent = _patches[parent].BspParent)
        {
            int advice = IntersectionType(parent, in p, in ray, ref t, rMin, rMax);
            if (advice != PositiveOnly && advice != NegativeOnly)
            {
                if (TestIntersection(w, parent, in p, in ray, t)) return true;
                rMin = (float)(t - RangeMargin);
            }
            if (_patches[parent].BspPositive == child && advice != PositiveOnly)
            {
                if (TraverseSubtree(w, _patches[parent].BspNegative, in p, in ray, rMin, rMax)) return true;
            }
            else if (_patches[parent].BspPositive != child && advice != NegativeOnly)
            {
                if (TraverseSubtree(w, _patches[parent].BspPositive, in p, in ray, rMin, rMax)) return true;
            }
        }
        return false;
    }

    /// <summary>
    /// traverse_subtree: in order along the ray, narrowing the range at each node's crossing. The reference's tail calls
    /// (the far side, or the only side the ray can reach) are the loop, and its intersection_type is written out here
    /// so that each case branches straight to its subtree (the same decisions: see <see cref="IntersectionType"/>).
    /// </summary>
    bool TraverseSubtree(RadiosityWorker w, int node, in Vertex p, in Vertex ray, float rMin, float rMax)
    {
        while (node != NoPatch)
        {
            ref readonly var n = ref Node(node);
            float nx = n.Plane.N.X, ny = n.Plane.N.Y, nz = n.Plane.N.Z;
            float rDotN = nx * ray.X + ny * ray.Y + nz * ray.Z;
            float dist = n.Plane.C + p.X * nx + p.Y * ny + p.Z * nz;
            if (-Zero < rDotN && rDotN < Zero)
            {
                // Parallel: stay on the side the start point is on; on the plane counts as blocked.
                if (dist > (float)Coplanar) node = n.BspPositive;
                else if (dist < -Coplanar) node = n.BspNegative;
                else return true;
                continue;
            }
            float t = -dist / rDotN;
            // Along the normal the ray runs from the negative side to the positive side.
            bool alongNormal = rDotN >= 0;
            int near = alongNormal ? n.BspNegative : n.BspPositive, far = alongNormal ? n.BspPositive : n.BspNegative;
            if (t < rMin)
            {
                node = far; // the crossing lies before the range: all of it is on the far side
                continue;
            }
            if (t > rMax)
            {
                node = near; // the crossing lies beyond the range
                continue;
            }
            // Crossed in range: the near side first (up to the crossing), the node itself, then the far side.
            if (TraverseSubtree(w, near, in p, in ray, rMin, (float)(t + RangeMargin))) return true;
            if (TestIntersection(w, node, in p, in ray, t)) return true;
            node = far;
            rMin = (float)(t - RangeMargin);
        }
        return false;
    }

    /// <summary>Patch <paramref name="node"/> of the BSP tree, without a bounds check (node is a patch index handed out by <see cref="NewPatch"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    ref Patch Node(int node)
    {
        Debug.Assert((uint)node < (uint)_patchCount);
        return ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_patches), node);
    }

    /// <summary>
    /// intersection_type: where the ray p + t r meets the patch's plane and which side to visit first; a ray parallel to
    /// the plane stays on the side p is on. <paramref name="t"/> is set only when the ray is not parallel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    int IntersectionType(int patch, in Vertex p, in Vertex ray, ref float t, float rMin, float rMax)
    {
        ref readonly var plane = ref Node(patch).Plane;
        float nx = plane.N.X, ny = plane.N.Y, nz = plane.N.Z;
        float rDotN = nx * ray.X + ny * ray.Y + nz * ray.Z;
        float dist = plane.C + p.X * nx + p.Y * ny + p.Z * nz;
        if (-Zero < rDotN && rDotN < Zero)
        {
            if (dist > (float)Coplanar) return PositiveOnly;
            if (dist < -Coplanar) return NegativeOnly;
            return OnPlane;
        }
        t = -dist / rDotN;
        if (t < rMin) return rDotN >= 0 ? PositiveOnly : NegativeOnly;
        if (t > rMax) return rDotN >= 0 ? NegativeOnly : PositiveOnly;
        return rDotN >= 0 ? NegativeFirst : PositiveFirst;
    }

    /// <summary>test_intersection: the destination counts a hit; a patch already tested from the cache is skipped; a blocker enters the cache.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    bool TestIntersection(RadiosityWorker w, int patch, in Vertex p, in Vertex ray, float t)
    {
        if (patch == w.DestinationPatch)
        {
            w.DestinationHits++;
            return true;
        }
        if (patch == w.Cache0 || patch == w.Cache1) return false;
        if (RayHitsTriangle(patch, in p, in ray, t))
        {
            w.Cache1 = w.Cache0;
            w.Cache0 = patch;
            return true;
        }
        return false;
    }

    /// <summary>check_patch_cache: a cached blocker (not the source or destination) that the ray hits in range; a hit moves it one place up.</summary>
    bool CheckPatchCache(RadiosityWorker w, in Vertex p, in Vertex ray, float rMin, float rMax)
    {
        for (int i = 0; i < 2; i++)
        {
            int c = i == 0 ? w.Cache0 : w.Cache1;
            if (c == NoPatch || c == w.DestinationPatch || c == w.SourcePatch) continue;
            float t = 0.0f;
            int advice = IntersectionType(c, in p, in ray, ref t, rMin, rMax);
            if (advice == PositiveOnly || advice == NegativeOnly) continue;
            if (advice == OnPlane || RayHitsTriangle(c, in p, in ray, t))
            {
                if (i > 0) (w.Cache0, w.Cache1) = (w.Cache1, w.Cache0);
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// The projection v_intersect tests a patch in: onto the coordinate plane its normal is most aligned with (yz when
    /// |nx| is largest, else xz when |ny| is, else xy, ties as the reference breaks them). Set whenever a patch's plane
    /// or corners change.
    /// </summary>
    static void Project(ref Patch patch)
    {
        float a = Math.Abs(patch.Plane.N.X), b = Math.Abs(patch.Plane.N.Y), c = Math.Abs(patch.Plane.N.Z);
        (patch.ProjectX, patch.ProjectY) = a > b && a > c ? (1, 2) : a <= b && b > c ? (0, 2) : (0, 1);
        patch.X1 = Component(ref patch.P1, patch.ProjectX); patch.Y1 = Component(ref patch.P1, patch.ProjectY);
        patch.X2 = Component(ref patch.P2, patch.ProjectX); patch.Y2 = Component(ref patch.P2, patch.ProjectY);
        patch.X3 = Component(ref patch.P3, patch.ProjectX); patch.Y3 = Component(ref patch.P3, patch.ProjectY);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static float Component(ref readonly Vertex v, int axis) => Unsafe.Add(ref Unsafe.AsRef(in v.X), axis);

    /// <summary>
    /// v_intersect: whether the point p + t r lies inside the patch's triangle, by counting edge crossings of a ray from
    /// the point in the patch's projection (comparisons with 0 are made in float, which gives the reference's double
    /// comparisons exactly, 0 and every float being doubles).
    /// </summary>
    bool RayHitsTriangle(int patch, in Vertex p, in Vertex ray, float t)
    {
        ref readonly var pt = ref Node(patch);
        float x = Component(in p, pt.ProjectX) + t * Component(in ray, pt.ProjectX);
        float y = Component(in p, pt.ProjectY) + t * Component(in ray, pt.ProjectY);
        float x1 = pt.X1, y1 = pt.Y1, x2 = pt.X2, y2 = pt.Y2, x3 = pt.X3, y3 = pt.Y3;
        x1 -= x; y1 -= y;
        x2 -= x; y2 -= y;
        x3 -= x; y3 -= y;
        int crossings = 0;
        int side = y1 >= 0f ? 1 : -1;
        int nextSide = y2 >= 0f ? 1 : -1;
        if (side != nextSide)
        {
            if (x1 >= 0f && x2 >= 0f) crossings++;
            else if ((x1 >= 0f || x2 >= 0f) && x1 - y1 * (x2 - x1) / (y2 - y1) > 0f) crossings++;
            side = nextSide;
        }
        nextSide = y3 >= 0f ? 1 : -1;
        if (side != nextSide)
        {
            if (x2 >= 0f && x3 >= 0f) crossings++;
            else if ((x2 >= 0f || x3 >= 0f) && x2 - y2 * (x3 - x2) / (y3 - y2) > 0f) crossings++;
            side = nextSide;
        }
        nextSide = y1 >= 0f ? 1 : -1;
        if (side != nextSide)
        {
            if (x3 >= 0f && x1 >= 0f) crossings++;
            else if ((x3 >= 0f || x1 >= 0f) && x1 - y1 * (x1 - x3) / (y1 - y3) > 0f) crossings++;
        }
        return (crossings & 1) != 0;
    }
}
