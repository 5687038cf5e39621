namespace IOWebserver;

/// <summary>
/// Where the kernel's receive work for the veth wire runs (--rx-steering). A veth delivers a frame to its peer inside
/// the sender's transmit call, so without steering each end's receive work runs on the core that sent the frame.
/// </summary>
public enum ReceiveSteering
{
    /// <summary>The veth's default: the server side's kernel receive work (the host baselines' IP/TCP/UDP input, the
    /// copy into the multikernel's AF_PACKET ring) on the load generator's cores, the far side's (the load generator's
    /// TCP/UDP input) on the server's.</summary>
    Sender,

    /// <summary>Each side's receive work on its own cores (Receive Packet Steering on both ends): the server end's on
    /// the server's first core (the multikernel's NIC driver core), as a one-queue NIC interrupts one core; the far
    /// end's on the load generator's cores, flows spread by their hash. As with a server and a load machine.</summary>
    Sides,
}
