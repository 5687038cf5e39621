namespace Multikernel.Net.Stack;

/// <summary>
/// IPv4-to-MAC bindings learnt from ARP (RFC 826), in a fixed table. An entry is complete (a MAC is known) or
/// incomplete (a request went out, no answer yet). When the table is full a new entry replaces the oldest incomplete
/// entry if there is one, else the oldest complete entry: unanswered requests (spoofed SYN sources) cannot push out
/// the peers that did answer. Owned by the stack's thread.
/// </summary>
internal sealed class ArpCache
{
    readonly uint[] _ip;
    readonly ulong[] _mac;
    readonly long[] _touched;   // complete: when learnt; incomplete: when last requested
    readonly bool[] _complete;
    int _count;
    int _last;                  // index of the last hit: one peer dominates on a point-to-point link

    public ArpCache(int entries)
    {
        _ip = new uint[entries];
        _mac = new ulong[entries];
        _touched = new long[entries];
        _complete = new bool[entries];
    }

    public int Count => _count;

    int Find(Ipv4Address ip)
    {
        if (_last < _count && _ip[_last] == ip.Value) return _last;
        for (int i = 0; i < _count; i++)
            if (_ip[i] == ip.Value) return _last = i;
        return -1;
    }

    public bool TryGet(Ipv4Address ip, out MacAddress mac)
    {
        int i = Find(ip);
        if (i >= 0 && _complete[i]) { mac = new MacAddress(_mac[i]); return true; }
        mac = default;
        return false;
    }

    /// <summary>RFC 826's merge step: updates the entry for <paramref name="ip"/> if there is one; true if it did.</summary>
    public bool Merge(Ipv4Address ip, MacAddress mac, long now)
    {
        int i = Find(ip);
        if (i < 0) return false;
        _mac[i] = mac.Value;
        _complete[i] = true;
        _touched[i] = now;
        return true;
    }

    /// <summary>Adds or updates a complete entry.</summary>
    public void Learn(Ipv4Address ip, MacAddress mac, long now)
    {
        if (Merge(ip, mac, now)) return;
        int i = Slot();
        _ip[i] = ip.Value;
        _mac[i] = mac.Value;
        _complete[i] = true;
        _touched[i] = now;
    }

    /// <summary>Records that <paramref name="ip"/> is wanted; true when a request should go out now (none for it within <paramref name="interval"/>).</summary>
    public bool ShouldRequest(Ipv4Address ip, long now, long interval)
    {
        int i = Find(ip);
        if (i >= 0)
        {
            if (_complete[i] || now - _touched[i] < interval) return false;
            _touched[i] = now;
            return true;
        }
        i = Slot();
        _ip[i] = ip.Value;
        _mac[i] = 0;
        _complete[i] = false;
        _touched[i] = now;
        return true;
    }

    int Slot()
    {
        if (_count < _ip.Length) return _count++;
        int victim = -1;
        for (int pass = 0; pass < 2 && victim < 0; pass++)
        {
            bool wantComplete = pass == 1;
            for (int i = 0; i < _count; i++)
                if (_complete[i] == wantComplete && (victim < 0 || _touched[i] < _touched[victim])) victim = i;
        }
        return victim;
    }
}
