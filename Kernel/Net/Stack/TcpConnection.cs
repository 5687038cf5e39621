namespace Multikernel.Net.Stack;

/// <summary>
/// One slot of the connection table: the transmission control block of RFC 793 plus this stack's bookkeeping. Slots
/// and their buffers are made once, when the stack is built, and reused; a slot's <see cref="Generation"/> changes each
/// time it is freed. Touched only by the stack's thread.
/// </summary>
internal sealed class TcpConnection
{
    public readonly int Slot;
    public readonly TcpReceiveBuffer Receive;
    public readonly TcpSendBuffer Send;

    public int Generation = 1;
    public bool InUse;
    public TcpState State;
    /// <summary>The application holds a <see cref="TcpSocket"/> for it (accepted and not yet closed).</summary>
    public bool Owned;
    /// <summary>Reset by the peer, aborted, or timed out while the application still held it.</summary>
    public bool WasReset;
    public int Listener;

    public Ipv4Address RemoteAddress;
    public ushort RemotePort, LocalPort;
    public int HashNext = -1;
    public bool InHash;

    // Send sequence space (RFC 793 3.2). SndMax: the highest sequence number sent so far (SndNxt goes back on a timeout).
    public uint Iss, SndUna, SndNxt, SndMax, SndWl1, SndWl2;
    public int SndWnd;
    public int SndMss;
    public int Cwnd, Ssthresh;
    public int DupAcks;
    /// <summary>The application closed: a FIN goes out at <see cref="FinSeq"/>, after all queued data.</summary>
    public bool CloseRequested;
    public uint FinSeq;

    // Receive side. RcvAdvertised: the right window edge last announced.
    public uint Irs, RcvAdvertised;
    public bool PeerFinSeen;      // a FIN has arrived, perhaps ahead of missing data
    public uint PeerFinSeq;
    public bool PeerFinReceived;  // ... and every byte before it too: RCV.NXT is past it
    public bool AckPending;
    /// <summary>Segments of in-order data since the last ACK we sent (the second one is acknowledged at once).</summary>
    public int SegmentsUnacked;
    /// <summary>The slot is in the delayed-ACK FIFO (until that entry is taken out, even across a reuse of the slot); its entry's deadline.</summary>
    public bool InDelayedAckQueue;
    public long AckDeadline;

    // Timers (microseconds; 0 = off).
    public long RtoDeadline, StateDeadline;
    public long Rto, Srtt, Rttvar;
    public bool RttMeasured;
    public int Retries;
    public bool Timing;
    public uint TimedSeq;
    public long TimedAt;

    // Queues and lists (indices into the table; -1 = none).
    public bool InReadyQueue, InOutputQueue;
    public int AgingList = -1, AgingPrev = -1, AgingNext = -1;
    public long AgingSince;

    public TcpConnection(int slot, TcpReceiveBuffer receive, TcpSendBuffer send)
    {
        Slot = slot;
        Receive = receive;
        Send = send;
    }

    /// <summary>The acknowledgment number to send: RCV.NXT, one further once the peer's FIN is in.</summary>
    public uint AckNumber => Receive.Next + (PeerFinReceived ? 1u : 0u);

    public bool FinSent => CloseRequested && SequenceNumber.Gt(SndMax, FinSeq);
    public bool FinAcked => CloseRequested && SequenceNumber.Gt(SndUna, FinSeq);
}
