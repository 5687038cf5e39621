namespace Multikernel.Monitor;

/// <summary>
/// One message the initiator sends: to core index <see cref="Core"/>, which forwards it to <see cref="Forward"/>
/// (empty unless <see cref="Core"/> is a multicast aggregator) and acknowledges for 1 + Forward.Length cores.
/// </summary>
public readonly record struct RoutingHop(int Core, int[] Forward)
{
    public int CoresCovered => 1 + Forward.Length;
}
