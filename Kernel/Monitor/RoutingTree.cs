namespace Multikernel.Monitor;

/// <summary>
/// The route of one many-core message: which cores the initiator sends to, in send order, and what each aggregator
/// forwards to. Built by <see cref="Routing.Build"/>; immutable, identical on every core that builds it from the same
/// inputs (aggregators rebuild it to find their forward list).
/// <para>Invariants: every participant other than the initiator appears exactly once, either as a hop or in exactly one
/// hop's forward list; the initiator appears nowhere; only multicast routes have non-empty forward lists, and all
/// cores of a forward list share their aggregator's group.</para>
/// </summary>
public sealed class RoutingTree
{
    static readonly int[] NoForward = [];
    readonly RoutingHop[] _hops;
    readonly int[][] _forwardOf; // by core index: the forward list of that core's hop (empty if none)

    public RoutingProtocol Protocol { get; }
    public int Initiator { get; }
    public CoreSet Participants { get; }
    /// <summary>First-hop messages in send order. For broadcast these are the cores expected to ack the one broadcast message.</summary>
    public IReadOnlyList<RoutingHop> Hops => _hops;
    /// <summary>Cores other than the initiator that the message reaches (the acks the initiator waits for).</summary>
    public int RemoteCores { get; }
    /// <summary>The cores the initiator sends to first, as a set (one per hop; every remote participant for broadcast).</summary>
    public CoreSet HopCores { get; }
    /// <summary>True when the first hop is a single write to the initiator's broadcast buffer rather than one message per hop.</summary>
    public bool ViaBroadcastBuffer => Protocol == RoutingProtocol.Broadcast;

    internal RoutingTree(RoutingProtocol protocol, int initiator, CoreSet participants, RoutingHop[] hops)
    {
        Protocol = protocol;
        Initiator = initiator;
        Participants = participants;
        _hops = hops;
        int bound = Math.Max(participants.Bound, initiator + 1);
        _forwardOf = new int[bound][];
        Array.Fill(_forwardOf, NoForward);
        foreach (var h in hops)
        {
            _forwardOf[h.Core] = h.Forward;
            RemoteCores += h.CoresCovered;
            HopCores = HopCores.With(h.Core);
        }
    }

    /// <summary>The cores that <paramref name="core"/> forwards to (empty unless it is an aggregator of this route).</summary>
    public ReadOnlySpan<int> ForwardOf(int core) => (uint)core < (uint)_forwardOf.Length ? _forwardOf[core] : NoForward;

    public override string ToString() =>
        $"{Protocol} from #{Initiator}: " + string.Join(", ", _hops.Select(h => h.Forward.Length == 0 ? $"#{h.Core}" : $"#{h.Core}->[{string.Join(',', h.Forward)}]"));
}
