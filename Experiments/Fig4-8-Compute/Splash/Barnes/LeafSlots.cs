using System.Runtime.CompilerServices;

namespace Splash.Barnes;

/// <summary>The body slots of a leaf (body indices), at most <see cref="BarnesHut.MaxBodiesPerLeaf"/>.</summary>
[InlineArray(BarnesHut.MaxBodiesPerLeaf)]
public struct LeafSlots
{
    int _first;
}
