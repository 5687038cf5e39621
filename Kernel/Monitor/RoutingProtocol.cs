namespace Multikernel.Monitor;

/// <summary>How a message to many cores travels (the paper's Fig 6 protocols).</summary>
public enum RoutingProtocol
{
    /// <summary>The initiator sends one message to every participant over its URPC binding with that core and collects every ack.</summary>
    Unicast,
    /// <summary>The initiator writes one message into a single one-writer many-reader buffer that every core polls; each participant acks by unicast.</summary>
    Broadcast,
    /// <summary>The initiator sends to one aggregator per group (package or L3 domain), which forwards to the rest of its group and sends one aggregated ack back; the initiator serves its own group directly.</summary>
    Multicast,
    /// <summary>Multicast that sends to the most distant cores first, over rings placed on each receiver's (so each aggregator's) node.</summary>
    NumaAwareMulticast,
}
