using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Multikernel.Drivers;

/// <summary>
/// One slot of a TCP connection table served in the descriptor protocol (<see cref="NicMessages"/>): the state the
/// socket driver (<see cref="TcpNicDriver"/>) and the user-level stack's bridge (<c>Net.Cores.TcpStreamBridge</c>)
/// both keep per connection, and the rules for it: receive credits out at the server, the transmit queue, whether the
/// server asked to close, whether the connection lingers after that close, and the two clocks of the timeouts. A table is an array of these indexed by slot, so a
/// lookup is one array element and nothing is allocated per connection after a slot's first use (its
/// <see cref="TxQueue"/> is made then and kept for every later connection in the slot). Owner core only.
/// <para>Invariants: 0 &lt;= <see cref="RxOut"/> &lt;= <see cref="RxCredits"/>; <see cref="UnansweredSince"/> is 0 or
/// at least the time of the first bytes received since the last bytes sent.</para>
/// </summary>
public struct ServedConnection
{
    /// <summary>Receive buffers of one connection that may be out at the server before its owner stops reading it.</summary>
    public const int RxCredits = 4;

    /// <summary>Responses still to write, in order (made the first time the slot is used).</summary>
    public TxQueue? Tx;
    /// <summary>Receive buffers of the connection out at the server.</summary>
    public int RxOut;
    /// <summary>The server sent Close: the connection ends once its queued responses are written.</summary>
    public bool Closing;
    /// <summary>The peer ended its sending side (the server was told <see cref="NicMessages.ReadEnd"/>): nothing more is read.</summary>
    public bool PeerDone;
    /// <summary>Milliseconds (<see cref="Environment.TickCount64"/>): accept, last bytes received or sent.</summary>
    public long LastActive;
    /// <summary>Milliseconds: first bytes received after the last bytes sent; 0 if none are waiting for an answer.</summary>
    public long UnansweredSince;
    /// <summary>Milliseconds: 0, or when the lingering close of a connection the server closed ends (its sending side is
    /// shut, the server was told Closed, and what the client still sends is read and dropped until then).</summary>
    public long LingerUntil;

    /// <summary>
    /// <paramref name="value"/> when it is a timeout an owner can keep: at least 1 ms, since the clocks count whole
    /// milliseconds. Zero or less (also <see cref="Timeout.InfiniteTimeSpan"/>) would close every connection at the
    /// owner's first sweep, or end every lingering close there (and with it the reset the lingering is for); so would
    /// a value under 1 ms, cut to 0. Throws <see cref="ArgumentOutOfRangeException"/> naming <paramref name="property"/>.
    /// </summary>
    internal static TimeSpan CheckTimeout(TimeSpan value, string property) =>
        value >= TimeSpan.FromMilliseconds(1) ? value
            : throw new ArgumentOutOfRangeException(property, value, $"{property} must be at least 1 ms: the connection clocks count whole milliseconds, and 0 or less would close every connection, or end every lingering close, at the first sweep");

    /// <summary>A connection the server has not been told to read from yet: no credits out, nothing queued.</summary>
    public void Open(long now)
    {
        Tx ??= new TxQueue();
        Debug.Assert(Tx.Count == 0, "a slot reopened with transmits still queued");
        RxOut = 0;
        Closing = PeerDone = false;
        LastActive = now;
        UnansweredSince = 0;
        LingerUntil = 0;
    }

    /// <summary>The server was told Closed and the owner reads only to drop the bytes: no Rx may follow.</summary>
    public readonly bool IsLingering => LingerUntil != 0;

    /// <summary>The lingering close starts at <paramref name="now"/> and lasts at most <paramref name="lingerMs"/>.</summary>
    public void BeginLinger(long now, long lingerMs)
    {
        Debug.Assert(Closing && Tx!.Count == 0, "lingering with responses still queued");
        LingerUntil = Math.Max(1, now + lingerMs);
    }

    /// <summary>A lingering close whose time is up at <paramref name="now"/>.</summary>
    public readonly bool LingerOver(long now) => LingerUntil != 0 && now >= LingerUntil;

    /// <summary>True while another receive buffer may go to the server.</summary>
    public readonly bool HasRxCredit => RxOut < RxCredits;

    /// <summary>A receive buffer of bytes went to the server; true when that used the last credit (stop reading).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Received(long now)
    {
        Debug.Assert(RxOut < RxCredits, "bytes read past the connection's receive credits");
        LastActive = now;
        if (UnansweredSince == 0) UnansweredSince = now;
        return ++RxOut == RxCredits;
    }

    /// <summary>The server returned a receive buffer; true when that ended a pause (read the connection again).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Returned()
    {
        Debug.Assert(RxOut > 0, "an RxDone for a connection with no receive buffer out");
        return RxOut-- == RxCredits;
    }

    /// <summary>Bytes of a response were written to the connection: it is active and nothing received waits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Sent(long now)
    {
        LastActive = now;
        UnansweredSince = 0;
    }

    /// <summary>Nothing queued either way and no bytes waiting for an answer: the one to evict when the table is full.</summary>
    public readonly bool IsQuiet => Tx!.Count == 0 && RxOut == 0 && UnansweredSince == 0;

    /// <summary>
    /// Past a timeout at <paramref name="now"/>: received bytes have waited longer than <paramref name="requestMs"/>
    /// for an answer (a request never completed); responses are queued and nothing moved either way for
    /// <paramref name="requestMs"/> (a client that does not read them: each holds a transmit buffer of the server's
    /// pool); or nothing moved for <paramref name="idleMs"/> with nothing queued.
    /// </summary>
    public readonly bool IsTimedOut(long now, long idleMs, long requestMs)
    {
        bool stalled = UnansweredSince != 0 && now - UnansweredSince > requestMs;
        bool unread = Tx!.Count > 0 && now - LastActive > requestMs;
        return stalled || unread || (now - LastActive > idleMs && Tx.Count == 0 && RxOut == 0);
    }
}
