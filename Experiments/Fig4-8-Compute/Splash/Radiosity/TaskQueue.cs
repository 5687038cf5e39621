using System.Runtime.InteropServices;
using Splash.Team;

namespace Splash.Radiosity;

/// <summary>
/// One worker's task queue: a double-ended queue of tasks under its own team lock. The owner takes from the top, new
/// subtasks are pushed on the top, the first tasks of an iteration are appended at the tail, and a thief takes from the
/// tail (the reference keeps a singly linked list and walks it to its tail; the order of tasks is the same). The ring
/// grows by doubling and keeps its size for later runs.
/// <para>Invariant: every method but <see cref="Lock"/> is called with the lock held.</para>
/// </summary>
public sealed class TaskQueue(TeamLock queueLock)
{
    RadiosityTask[] _ring = new RadiosityTask[256];
    int _head, _count;

    /// <summary>The queue lock (q_lock).</summary>
    public TeamLock Lock { get; } = queueLock;

    public int Count => _count;

    public void PushTop(in RadiosityTask task)
    {
        if (_count == _ring.Length) Grow();
        _head = _head == 0 ? _ring.Length - 1 : _head - 1;
        _ring[_head] = task;
        _count++;
    }

    public void Append(in RadiosityTask task)
    {
        if (_count == _ring.Length) Grow();
        int tail = _head + _count;
        if (tail >= _ring.Length) tail -= _ring.Length;
        _ring[tail] = task;
        _count++;
    }

    public RadiosityTask PopTop()
    {
        var t = _ring[_head];
        if (++_head == _ring.Length) _head = 0;
        _count--;
        return t;
    }

    public RadiosityTask PopTail()
    {
        int tail = _head + _count - 1;
        if (tail >= _ring.Length) tail -= _ring.Length;
        _count--;
        return _ring[tail];
    }

    public void Clear() => _head = _count = 0;

    void Grow()
    {
        var bigger = new RadiosityTask[_ring.Length * 2];
        for (int i = 0; i < _count; i++) bigger[i] = _ring[(_head + i) % _ring.Length];
        _ring = bigger;
        _head = 0;
    }
}
