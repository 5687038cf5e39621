using System.Runtime.InteropServices;
using Splash.Team;

namespace Splash.Radiosity;

/// <summary>
/// One worker's task queue: a double-ended queue of tasks under its own team lock. The owner takes from the top, new
/// subtasks are pushed on the top, the first tasks of an iteration are appended at the tail, and a thief takes from the
/// tail (the reference keeps a singly linked list and walks it to its tail; the order of tasks is the same). The ring
/// grows by doubling and keeps its size for later runs.
/// <para>Invariant: every member but <see cref="Lock"/> and <see cref="CountHint"/> is used with the lock held.</para>
/// </summary>
public sealed class TaskQueue(TeamLock queueLock)
{
    RadiosityTask[] _ring = new RadiosityTask[4096];
    int _head, _count;

    /// <summary>The queue lock (q_lock).</summary>
    public TeamLock Lock { get; } = queueLock;

    public int Count => _count;

    /// <summary>
    /// The count as last published, readable without the lock: a hint for a worker polling for work (test before
    /// test-and-set); whoever acts on it takes the lock and looks at <see cref="Count"/>.
    /// </summary>
    public int CountHint => Volatile.Read(ref _published);

    int _published;

    public void PushTop(in RadiosityTask task)
    {
        if (_count == _ring.Length) Grow();
        _head = _head == 0 ? _ring.Length - 1 : _head - 1;
        _ring[_head] = task;
        _count++;
        Volatile.Write(ref _published, _count);
    }

    public void Append(in RadiosityTask task)
    {
        if (_count == _ring.Length) Grow();
        int tail = _head + _count;
        if (tail >= _ring.Length) tail -= _ring.Length;
        _ring[tail] = task;
        _count++;
        Volatile.Write(ref _published, _count);
    }

    public RadiosityTask PopTop()
    {
        var t = _ring[_head];
        if (++_head == _ring.Length) _head = 0;
        _count--;
        Volatile.Write(ref _published, _count);
        return t;
    }

    public RadiosityTask PopTail()
    {
        int tail = _head + _count - 1;
        if (tail >= _ring.Length) tail -= _ring.Length;
        _count--;
        Volatile.Write(ref _published, _count);
        return _ring[tail];
    }

    public void Clear() => _head = _count = _published = 0;

    void Grow()
    {
        var bigger = new RadiosityTask[_ring.Length * 2];
        for (int i = 0; i < _count; i++) bigger[i] = _ring[(_head + i) % _ring.Length];
        _ring = bigger;
        _head = 0;
    }
}
