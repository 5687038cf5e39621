namespace Multikernel.Net.Stack;

/// <summary>
/// IPv4-to-MAC bindings learnt from ARP (RFC 826), in two fixed tables of the same size: complete entries (a MAC is
/// known) and pending requests (a request went out, no answer yet). Each table, when full, replaces its oldest entry,
/// so unanswered requests (to the spoofed sources of a SYN flood) push out only each other, never a peer that answered.
/// An answer moves its address from the pending table to the complete one. Owned by the stack's thread.
/// </summary>
internal sealed class ArpCache
{
    readonly uint[] _ip;
    readonly ulong[] _mac;
    readonly long[] _learnt;
    int _count;
    int _last;                  // index of the last hit: one peer dominates on a point-to-point link

    readonly uint[] _pendingIp;
    readonly long[] _requested; // when the last request for it went out
    int _pendingCount;

    public ArpCache(int entries)
    {
        _ip = new uint[entries];
        _mac = new ulong[entries];
        _learnt = new long[entries];
        _pendingIp = new uint[entries];
        _requested = new long[entries];
    }

    /// <summary>Complete entries.</summary>
    public int Count => _count;

    int Find(Ipv4Address ip)
    {
        if (_last < _count && _ip[_last] == ip.Value) return _last;
        for (int i = 0; i < _count; i++)
            if (_ip[i] == ip.Value) return _last = i;
        return -1;
    }

    int FindPending(Ipv4Address ip)
    {
        for (int i = 0; i < _pendingCount; i++)
            if (_pendingIp[i] == ip.Value) return i;
        return -1;
    }

    public bool TryGet(Ipv4Address ip, out MacAddress mac)
    {
        int i = Find(ip);
        if (i >= 0) { mac = new MacAddress(_mac[i]); return true; }
        mac = default;
        return false;
    }

    /// <summary>
    /// RFC 826's merge step: updates the entry for <paramref name="ip"/> if there is one, completing it if a request
    /// for it is pending; true if it did.
    /// </summary>
    public bool Merge(Ipv4Address ip, MacAddress mac, long now)
    {
        int i = Find(ip);
        if (i >= 0)
        {
            _mac[i] = mac.Value;
            _learnt[i] = now;
            return true;
        }
        int p = FindPending(ip);
        if (p < 0) return false;
        _pendingIp[p] = _pendingIp[--_pendingCount];
        _requested[p] = _requested[_pendingCount];
        Add(ip, mac, now);
        return true;
    }

    /// <summary>Adds or updates a complete entry.</summary>
    public void Learn(Ipv4Address ip, MacAddress mac, long now)
    {
        if (!Merge(ip, mac, now)) Add(ip, mac, now);
    }

    void Add(Ipv4Address ip, MacAddress mac, long now)
    {
        int i = _count < _ip.Length ? _count++ : Oldest(_learnt, _count);
        _ip[i] = ip.Value;
        _mac[i] = mac.Value;
        _learnt[i] = now;
    }

    /// <summary>Records that <paramref name="ip"/> is wanted; true when a request should go out now (none for it within <paramref name="interval"/>).</summary>
    public bool ShouldRequest(Ipv4Address ip, long now, long interval)
    {
        if (Find(ip) >= 0) return false;
        int p = FindPending(ip);
        if (p >= 0)
        {
            if (now - _requested[p] < interval) return false;
            _requested[p] = now;
            return true;
        }
        p = _pendingCount < _pendingIp.Length ? _pendingCount++ : Oldest(_requested, _pendingCount);
        _pendingIp[p] = ip.Value;
        _requested[p] = now;
        return true;
    }

    static int Oldest(long[] times, int count)
    {
        int oldest = 0;
        for (int i = 1; i < count; i++)
            if (times[i] < times[oldest]) oldest = i;
        return oldest;
    }
}
