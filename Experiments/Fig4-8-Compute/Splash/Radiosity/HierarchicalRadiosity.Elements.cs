using System.Runtime.CompilerServices;
using Multikernel.Threads;

namespace Splash.Radiosity;

/// <summary>Elements and interactions: form factors, refinement, gathering and the pull-up of radiosity.</summary>
public sealed partial class HierarchicalRadiosity
{
    const int NoRefinement = 2, RefineReceiver = 4, RefineSource = 8;
    const float VisibilityErrorOfRays = (float)(1.0 / VisibilityRays);
    const float PiF = (float)Math.PI;

    /// <summary>
    /// ff_refine_elements on two root elements: if they face each other, an interaction each way, both of unknown
    /// visibility (the BSP tree is still being built, so visibility waits for the first iteration).
    /// </summary>
    async UTask RefineFormFactors(int e1, int e2)
    {
        if (CompletelyInvisible(e1, e2)) return;
        int i12 = await NewInteraction();
        ComputeFormFactor(e1, e2, i12);
        _interactions[i12].Visibility = VisibilityUndefined;
        await InsertVisibilityUndefined(e1, i12);
        int i21 = await NewInteraction();
        ComputeFormFactor(e2, e1, i21);
        _interactions[i21].Visibility = VisibilityUndefined;
        await InsertVisibilityUndefined(e2, i21);
    }

    /// <summary>element_completely_invisible: either element lies wholly on or behind the other's plane.</summary>
    bool CompletelyInvisible(int e1, int e2)
    {
        ref readonly var a = ref _elements[e1];
        ref readonly var b = ref _elements[e2];
        if (NegativeSide(PatchIntersection(in _patches[a.Patch].Plane, in _vertices[b.Ev1].P, in _vertices[b.Ev2].P, in _vertices[b.Ev3].P))) return true;
        return NegativeSide(PatchIntersection(in _patches[b.Patch].Plane, in _vertices[a.Ev1].P, in _vertices[a.Ev2].P, in _vertices[a.Ev3].P));
    }

    /// <summary>
    /// process_rays: takes the element's checked interactions, analyses their B F error (refining the large ones), then
    /// computes the visibility of the new ones or, if there are none, gathers.
    /// </summary>
    UTask ProcessRays(RadiosityWorker w, int e) => Analyse(w, e, visibilityKnown: false);

    /// <summary>process_rays2: the interactions whose visibility is now known get their B F error analysed in turn.</summary>
    UTask ProcessRays2(RadiosityWorker w, int e) => Analyse(w, e, visibilityKnown: true);

    /// <summary>Detaches one of the element's lists under its lock, analyses it, and continues with visibility or gathering.</summary>
    async UTask Analyse(RadiosityWorker w, int e, bool visibilityKnown)
    {
        var gate = ElementLock(e);
        await gate.LockAsync();
        ref var el = ref _elements[e];
        int list;
        if (visibilityKnown)
        {
            list = el.VisibilityUndefined;
            el.VisibilityUndefined = el.VisibilityUndefinedCount = 0;
        }
        else
        {
            list = el.Interactions;
            el.Interactions = el.InteractionCount = 0;
        }
        gate.Unlock();
        await AnalyseList(w, e, list);
        if (_elements[e].VisibilityUndefinedCount == 0) await ProcessRays3(w, e);
        else await CreateVisibilityTasks(w, e);
    }

    /// <summary>
    /// process_rays3: gathers the element's light; an inner element pushes what it and its ancestors gathered down to
    /// its four children as tasks (whose joins pull their results up), a leaf sets its radiosity and joins upwards.
    /// </summary>
    async UTask ProcessRays3(RadiosityWorker w, int e)
    {
        await Gather(e);
        if (!IsLeaf(e))
        {
            int center, top, left, right;
            {
                ref var el = ref _elements[e];
                var push = new Rgb(el.RadIn.R + el.RadSubtree.R, el.RadIn.G + el.RadSubtree.G, el.RadIn.B + el.RadSubtree.B);
                center = el.Center; top = el.Top; left = el.Left; right = el.Right;
                _elements[center].RadIn = push;
                _elements[top].RadIn = push;
                _elements[right].RadIn = push;
                _elements[left].RadIn = push;
                el.JoinCounter = 4;
            }
            await CreateRayTask(w, center);
            await CreateRayTask(w, top);
            await CreateRayTask(w, left);
            await CreateRayTask(w, right);
            return;
        }
        var gate = ElementLock(e);
        await gate.LockAsync();
        SetRadiosity(e);
        gate.Unlock();
        await Join(_elements[e].Parent, e);
    }

    /// <summary>rad = rad_in + rad_subtree + emittance.</summary>
    void SetRadiosity(int e)
    {
        ref var el = ref _elements[e];
        ref readonly var em = ref _patches[el.Patch].Emittance;
        el.Rad = new Rgb(el.RadIn.R + el.RadSubtree.R + em.R, el.RadIn.G + el.RadSubtree.G + em.G, el.RadIn.B + el.RadSubtree.B + em.B);
    }

    /// <summary>
    /// elem_join_operation: adds a finished child's subtree radiosity (a quarter) to its parent; the fourth child to
    /// finish sets the parent's radiosity and goes on upwards. The root adds its energy to the iteration's total.
    /// </summary>
    async UTask Join(int e, int child)
    {
        while (e != 0)
        {
            var gate = ElementLock(e);
            await gate.LockAsync();
            ref var el = ref _elements[e];
            ref readonly var c = ref _elements[child];
            el.RadSubtree.R += c.RadSubtree.R * 0.25f;
            el.RadSubtree.G += c.RadSubtree.G * 0.25f;
            el.RadSubtree.B += c.RadSubtree.B * 0.25f;
            if (--el.JoinCounter != 0)
            {
                gate.Unlock();
                return;
            }
            SetRadiosity(e);
            gate.Unlock();
            child = e;
            e = _elements[e].Parent;
        }
        await _energyLock.LockAsync();
        ref readonly var root = ref _elements[child];
        _totalEnergy.R += root.Rad.R * root.Area;
        _totalEnergy.G += root.Rad.G * root.Area;
        _totalEnergy.B += root.Rad.B * root.Area;
        _totalArea += root.Area;
        _energyLock.Unlock();
    }

    /// <summary>
    /// gather_rays: the sum over the element's interactions of form factor x visibility x the source's radiosity (read
    /// under the source's lock), times the element's reflectance, becomes its subtree radiosity.
    /// </summary>
    async UTask Gather(int e)
    {
        int inter = _elements[e].Interactions;
        if (inter == 0)
        {
            _elements[e].RadSubtree = new Rgb(0, 0, 0);
            return;
        }
        float r = 0, g = 0, b = 0;
        while (inter != 0)
        {
            float ffv = _interactions[inter].FormFactor * _interactions[inter].Visibility;
            int source = _interactions[inter].Destination;
            var gate = ElementLock(source);
            await gate.LockAsync();
            ref readonly var rad = ref _elements[source].Rad;
            float br = ffv * rad.R, bg = ffv * rad.G, bb = ffv * rad.B;
            gate.Unlock();
            r += br; g += bg; b += bb;
            inter = _interactions[inter].Next;
        }
        ref readonly var color = ref _patches[_elements[e].Patch].Color;
        _elements[e].RadSubtree = new Rgb(r * color.R, g * color.G, b * color.B);
    }

    /// <summary>
    /// bf_error_analysis_list: keeps the interactions whose B F error is small enough (linked back into the element's
    /// list under its lock) and refines the others into new interactions of unknown visibility.
    /// </summary>
    async UTask AnalyseList(RadiosityWorker w, int e, int list)
    {
        int previous = 0, inter = list, kept = 0;
        while (inter != 0)
        {
            int advice = await AnalyseError(e, inter);
            if (advice == NoRefinement)
            {
                previous = inter;
                inter = _interactions[inter].Next;
                kept++;
                continue;
            }
            int refine = inter;
            inter = _interactions[inter].Next;
            if (previous == 0) list = inter;
            else _interactions[previous].Next = inter;
            await RefineInteraction(w, advice, e, refine);
            await FreeInteraction(refine);
        }
        if (kept > 0)
        {
            var gate = ElementLock(e);
            await gate.LockAsync();
            _interactions[previous].Next = _elements[e].Interactions;
            _elements[e].Interactions = list;
            _elements[e].InteractionCount += kept;
            gate.Unlock();
        }
    }

    /// <summary>
    /// bf_error_analysis: error = (V Ferr + Verr F + Verr Ferr) x the source's mean radiosity, with Verr = 1 for a
    /// partly visible pair, else 1/10. Kept if the error is at most -bf and the element has at most 10 interactions,
    /// or at most -bf / 2; otherwise the larger of receiver and source is subdivided if its area exceeds -ae.
    /// </summary>
    async UTask<int> AnalyseError(int e, int inter)
    {
        ref readonly var i = ref _interactions[inter];
        float visibility = i.Visibility, formFactor = i.FormFactor, formFactorError = i.FormFactorError;
        int source = i.Destination;
        float visibilityError = 0f < visibility && visibility < 1f ? 1.0f : VisibilityErrorOfRays;
        var gate = ElementLock(source);
        await gate.LockAsync();
        ref readonly var rad = ref _elements[source].Rad;
        float average = (rad.R + rad.G + rad.B) * Third;
        gate.Unlock();
        float total = (visibility * formFactorError + visibilityError * formFactor + visibilityError * formFactorError) * average;
        if (total <= Input.BfEpsilon && _elements[e].InteractionCount <= 10) return NoRefinement;
        if (total <= Input.BfEpsilon * 0.5) return NoRefinement;
        float area = _elements[e].Area, sourceArea = _elements[source].Area;
        if (area > sourceArea)
        {
            if (area > Input.AreaEpsilon) return RefineReceiver;
        }
        else if (sourceArea > Input.AreaEpsilon) return RefineSource;
        return NoRefinement;
    }

    /// <summary>
    /// bf_refine_element: subdivides the receiver (new interactions from each child to the source) or the source (new
    /// interactions from the receiver to each of its children), skipping pairs that cannot see each other.
    /// </summary>
    async UTask RefineInteraction(RadiosityWorker w, int advice, int e, int inter)
    {
        int source = _interactions[inter].Destination;
        if (advice == RefineReceiver)
        {
            await SubdivideElement(w, e);
            await LinkIfVisible(_elements[e].Center, source, _elements[e].Center);
            await LinkIfVisible(_elements[e].Top, source, _elements[e].Top);
            await LinkIfVisible(_elements[e].Left, source, _elements[e].Left);
            await LinkIfVisible(_elements[e].Right, source, _elements[e].Right);
        }
        else
        {
            await SubdivideElement(w, source);
            await LinkIfVisible(e, _elements[source].Center, e);
            await LinkIfVisible(e, _elements[source].Top, e);
            await LinkIfVisible(e, _elements[source].Left, e);
            await LinkIfVisible(e, _elements[source].Right, e);
        }
    }

    /// <summary>A new interaction receiver &lt;- source of unknown visibility, in <paramref name="owner"/>'s list, unless the pair is mutually invisible.</summary>
    async UTask LinkIfVisible(int receiver, int source, int owner)
    {
        if (CompletelyInvisible(receiver, source)) return;
        int inter = await NewInteraction();
        ComputeFormFactor(receiver, source, inter);
        _interactions[inter].Visibility = VisibilityUndefined;
        await InsertVisibilityUndefined(owner, inter);
    }

    /// <summary>insert_vis_undef_interaction: at the head of the element's list of interactions of unknown visibility.</summary>
    async UTask InsertVisibilityUndefined(int e, int inter)
    {
        var gate = ElementLock(e);
        await gate.LockAsync();
        _interactions[inter].Next = _elements[e].VisibilityUndefined;
        _elements[e].VisibilityUndefined = inter;
        _elements[e].VisibilityUndefinedCount++;
        gate.Unlock();
    }

    /// <summary>get_interaction: from the free list, else a new one, under the interaction list's lock.</summary>
    async UTask<int> NewInteraction()
    {
        await _interactionListLock.LockAsync();
        int inter = _freeInteraction;
        if (inter != 0) _freeInteraction = _interactions[inter].Next;
        else
        {
            try { inter = _interactions.Reserve(1, "interactions"); }
            catch
            {
                _interactionListLock.Unlock();
                throw;
            }
        }
        _interactionListLock.Unlock();
        _interactions[inter] = default;
        return inter;
    }

    async UTask FreeInteraction(int inter)
    {
        await _interactionListLock.LockAsync();
        _interactions[inter].Next = _freeInteraction;
        _freeInteraction = inter;
        _interactionListLock.Unlock();
    }

    /// <summary>
    /// subdivide_element: under the element's lock, unless it has children already: splits its three edges at their
    /// midpoints, adds the three inner edges and makes the center, top, left and right children (a quarter of the area
    /// each, the parent's radiosity); center is set last, which makes the children visible.
    /// </summary>
    async UTask SubdivideElement(RadiosityWorker w, int e)
    {
        var gate = ElementLock(e);
        await gate.LockAsync();
        if (!IsLeaf(e))
        {
            gate.Unlock();
            return;
        }
        await SubdivideEdge(w, _elements[e].E12, 0.5f);
        await SubdivideEdge(w, _elements[e].E23, 0.5f);
        await SubdivideEdge(w, _elements[e].E31, 0.5f);
        int ev12 = _edges[_edges[_elements[e].E12].Ea].Pb;
        int ev23 = _edges[_edges[_elements[e].E23].Ea].Pb;
        int ev31 = _edges[_edges[_elements[e].E31].Ea].Pb;
        int e1223 = await NewEdge(w, ev12, ev23);
        int e2331 = await NewEdge(w, ev23, ev31);
        int e3112 = await NewEdge(w, ev31, ev12);
        float quarter = _elements[e].Area * 0.25f;

        int center = await NewElement();
        Child(center, e, ev23, ev31, ev12, e2331, e3112, e1223, quarter);

        bool rev12 = _edges[_elements[e].E12].Pa == _elements[e].Ev2;
        bool rev23 = _edges[_elements[e].E23].Pa == _elements[e].Ev3;
        bool rev31 = _edges[_elements[e].E31].Pa == _elements[e].Ev1;
        int top = await NewElement();
        {
            ref readonly var p = ref _elements[e];
            Child(top, e, p.Ev1, ev12, ev31,
                !rev12 ? _edges[p.E12].Ea : _edges[p.E12].Eb, e3112, !rev31 ? _edges[p.E31].Eb : _edges[p.E31].Ea, quarter);
        }
        _elements[e].Top = top;
        int left = await NewElement();
        {
            ref readonly var p = ref _elements[e];
            Child(left, e, ev12, p.Ev2, ev23,
                !rev12 ? _edges[p.E12].Eb : _edges[p.E12].Ea, !rev23 ? _edges[p.E23].Ea : _edges[p.E23].Eb, e1223, quarter);
        }
        _elements[e].Left = left;
        int right = await NewElement();
        {
            ref readonly var p = ref _elements[e];
            Child(right, e, ev31, ev23, p.Ev3,
                e2331, !rev23 ? _edges[p.E23].Eb : _edges[p.E23].Ea, !rev31 ? _edges[p.E31].Ea : _edges[p.E31].Eb, quarter);
        }
        _elements[e].Right = right;
        Volatile.Write(ref _elements[e].Center, center);
        gate.Unlock();
    }

    void Child(int child, int parent, int ev1, int ev2, int ev3, int e12, int e23, int e31, float area)
    {
        ref var c = ref _elements[child];
        c.Parent = parent;
        c.Patch = _elements[parent].Patch;
        c.Ev1 = ev1; c.Ev2 = ev2; c.Ev3 = ev3;
        c.E12 = e12; c.E23 = e23; c.E31 = e31;
        c.Area = area;
        c.Rad = _elements[parent].Rad;
    }

    // ---- form factors -------------------------------------------------------------------------------------------

    /// <summary>
    /// compute_formfactor: the disc-approximation form factor from the source element to the destination, averaged over
    /// the source's centre and its three sub-centres; the error is the largest distance of that average from the
    /// values at the centre and the three corners.
    /// </summary>
    void ComputeFormFactor(int source, int destination, int inter)
    {
        ref readonly var src = ref _elements[source];
        ref readonly var s1 = ref _vertices[src.Ev1].P;
        ref readonly var s2 = ref _vertices[src.Ev2].P;
        ref readonly var s3 = ref _vertices[src.Ev3].P;
        ref readonly var dst = ref _elements[destination];
        var pc = Centre(in s1, in s2, in s3);
        var pc1 = new Vertex((s1.X * 4 + s2.X + s3.X) * Sixth, (s1.Y * 4 + s2.Y + s3.Y) * Sixth, (s1.Z * 4 + s2.Z + s3.Z) * Sixth);
        var pc2 = new Vertex((s1.X + s2.X * 4 + s3.X) * Sixth, (s1.Y + s2.Y * 4 + s3.Y) * Sixth, (s1.Z + s2.Z * 4 + s3.Z) * Sixth);
        var pc3 = new Vertex((s1.X + s2.X + s3.X * 4) * Sixth, (s1.Y + s2.Y + s3.Y * 4) * Sixth, (s1.Z + s2.Z + s3.Z * 4) * Sixth);
        ref readonly var sourceNormal = ref _patches[src.Patch].Plane.N;

        float ffc = DiscFormFactor(in pc, in sourceNormal, in dst);
        float ffc1 = DiscFormFactor(in pc1, in sourceNormal, in dst);
        float ffc2 = DiscFormFactor(in pc2, in sourceNormal, in dst);
        float ffc3 = DiscFormFactor(in pc3, in sourceNormal, in dst);
        if (ffc < 0) ffc = 0;
        if (ffc1 < 0) ffc1 = 0;
        if (ffc2 < 0) ffc2 = 0;
        if (ffc3 < 0) ffc3 = 0;
        float average = (ffc + ffc1 + ffc2 + ffc3) * 0.25f;

        float ff1 = DiscFormFactor(in s1, in sourceNormal, in dst);
        float ff2 = DiscFormFactor(in s2, in sourceNormal, in dst);
        float ff3 = DiscFormFactor(in s3, in sourceNormal, in dst);
        float min = ffc, max = ffc;
        if (min > ff1) min = ff1;
        if (min > ff2) min = ff2;
        if (min > ff3) min = ff3;
        if (max < ff1) max = ff1;
        if (max < ff2) max = ff2;
        if (max < ff3) max = ff3;
        if (average < 0) average = 0;
        float error = max - average;
        if (error < average - min) error = average - min;
        ref var i = ref _interactions[inter];
        i.FormFactor = average;
        i.FormFactorError = error;
        i.Destination = destination;
    }

    /// <summary>compute_diff_disc_formfactor: the sum, over the destination's four sub-triangles, of the point-to-disc form factor (negatives clipped).</summary>
    float DiscFormFactor(in Vertex p, in Vertex sourceNormal, in Element destination)
    {
        ref readonly var d1 = ref _vertices[destination.Ev1].P;
        ref readonly var d2 = ref _vertices[destination.Ev2].P;
        ref readonly var d3 = ref _vertices[destination.Ev3].P;
        var c = Centre(in d1, in d2, in d3);
        var c1 = new Vertex((d1.X * 4 + d2.X + d3.X) * Sixth, (d1.Y * 4 + d2.Y + d3.Y) * Sixth, (d1.Z * 4 + d2.Z + d3.Z) * Sixth);
        var c2 = new Vertex((d1.X + d2.X * 4 + d3.X) * Sixth, (d1.Y + d2.Y * 4 + d3.Y) * Sixth, (d1.Z + d2.Z * 4 + d3.Z) * Sixth);
        var c3 = new Vertex((d1.X + d2.X + d3.X * 4) * Sixth, (d1.Y + d2.Y + d3.Y * 4) * Sixth, (d1.Z + d2.Z + d3.Z * 4) * Sixth);
        float quarter = destination.Area * 0.25f;
        ref readonly var normal = ref _patches[destination.Patch].Plane.N;
        float f = PointDisc(in p, in sourceNormal, in c, quarter, in normal);
        float f1 = PointDisc(in p, in sourceNormal, in c1, quarter, in normal);
        float f2 = PointDisc(in p, in sourceNormal, in c2, quarter, in normal);
        float f3 = PointDisc(in p, in sourceNormal, in c3, quarter, in normal);
        if (f < 0) f = 0;
        if (f1 < 0) f1 = 0;
        if (f2 < 0) f2 = 0;
        if (f3 < 0) f3 = 0;
        return f + f1 + f2 + f3;
    }

    /// <summary>_diff_disc_formfactor: area / (pi d^2 + area) x cos(source angle) x cos(destination angle).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static float PointDisc(in Vertex p, in Vertex sourceNormal, in Vertex disc, float area, in Vertex normal)
    {
        var v = new Vertex(disc.X - p.X, disc.Y - p.Y, disc.Z - p.Z);
        float distSq = v.X * v.X + v.Y * v.Y + v.Z * v.Z;
        float fnorm = area / (PiF * distSq + area);
        Normalize(ref v);
        float cosS = Dot(in v, in sourceNormal);
        float cosD = -Dot(in v, in normal);
        float angle = cosS * cosD;
        return fnorm * angle;
    }
}
