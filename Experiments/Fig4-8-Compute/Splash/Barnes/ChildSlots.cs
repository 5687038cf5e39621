using System.Runtime.CompilerServices;

namespace Splash.Barnes;

/// <summary>The eight child slots of a cell (<see cref="NodeRef"/> values), indexed by the Gray-coded octant.</summary>
[InlineArray(8)]
public struct ChildSlots
{
    int _first;
}
