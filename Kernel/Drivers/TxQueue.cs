namespace Multikernel.Drivers;

/// <summary>
/// The transmit descriptors a TCP connection still has to write, in order: (buffer, offset, length) in the stack's
/// transmit pool. The head may be partly written (its offset advanced). Owner core only; grows rarely (a connection
/// with many pipelined responses stuck behind a full socket buffer).
/// </summary>
public sealed class TxQueue
{
    public struct Item { public int Buffer, Offset, Length; }

    Item[] _items = new Item[8];
    int _head;

    public int Count { get; private set; }
    public ref Item Head => ref _items[_head];

    public void Enqueue(int buffer, int offset, int length)
    {
        if (Count == _items.Length)
        {
            var bigger = new Item[_items.Length * 2];
            for (int i = 0; i < Count; i++) bigger[i] = _items[(_head + i) % _items.Length];
            _items = bigger;
            _head = 0;
        }
        _items[(_head + Count) % _items.Length] = new Item { Buffer = buffer, Offset = offset, Length = length };
        Count++;
    }

    public int Dequeue()
    {
        if (Count == 0) throw new InvalidOperationException("transmit queue is empty");
        int b = _items[_head].Buffer;
        _head = (_head + 1) % _items.Length;
        Count--;
        return b;
    }
}
