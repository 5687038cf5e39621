using System.Text;
using Multikernel.CoreProcesses;

namespace Fig1.SharedState;

/// <summary>
/// The outcome of one side of the URPC pair benchmark in process mode: a block of the shared region that the host
/// allocates and names to the side's core process. The host opens the gate by writing word <see cref="Gate"/>; the
/// side writes its report and then word <see cref="State"/> (1 done, 2 failed) last, so the host reads a complete
/// report once it sees the state. The side counts its finished batches in word <see cref="ProgressWord"/> (it alone
/// writes it) for the host's stall bound. Layout (8-byte words): state, gate, repetitions, failure text length, progress, then per
/// repetition the latency samples, the other samples (doubles), the two disturbed flags (0/1), then the failure
/// text (UTF-8, at most <see cref="TextBytes"/> bytes).
/// </summary>
public sealed class SharedPairOutcome(SharedBlock block) : IMeasurementOutcome<PairSideReport>
{
    const int State = 0, Gate = 1, Reps = 2, TextLength = 3, ProgressWord = 4, Data = 5;
    const int TextBytes = 1024;

    /// <summary>Bytes of a block for <paramref name="repetitions"/> repetitions.</summary>
    public static nuint BytesFor(int repetitions) => (nuint)(8 * (Data + 4 * repetitions) + TextBytes);

    public bool IsOpen => block.Read(Gate) != 0;

    /// <summary>Host: lets the side start measuring.</summary>
    public void Open() => block.Write(Gate, 1);

    public long Progress => block.Read(ProgressWord);

    public void Advance() => block.Write(ProgressWord, block.Read(ProgressWord) + 1);

    /// <summary>Host: true once the side has reported.</summary>
    public bool IsDone => block.Read(State) != 0;

    public void Succeed(PairSideReport r)
    {
        int n = r.Latency.Length;
        block.Write(Reps, n);
        r.Latency.CopyTo(block.Doubles(Data, n));
        r.Other.CopyTo(block.Doubles(Data + n, n));
        for (int i = 0; i < n; i++)
        {
            block.Write(Data + 2 * n + i, r.DisturbedLatency[i] ? 1 : 0);
            block.Write(Data + 3 * n + i, r.DisturbedStream[i] ? 1 : 0);
        }
        WriteText(r.Failure, n);
        block.Write(State, 1);
    }

    public void Fail(Exception e)
    {
        block.Write(Reps, 0);
        WriteText($"{e.GetType().Name}: {e.Message}", 0);
        block.Write(State, 2);
    }

    void WriteText(string? text, int n)
    {
        var bytes = Encoding.UTF8.GetBytes(text ?? "");
        int len = Math.Min(bytes.Length, TextBytes);
        bytes.AsSpan(0, len).CopyTo(block.ByteSpan(8 * (Data + 4 * n), len));
        block.Write(TextLength, text == null ? -1 : len);
    }

    /// <summary>Host, after <see cref="IsDone"/>: the side's report; throws with the side's error if it failed.</summary>
    public PairSideReport Read(string side)
    {
        int n = (int)block.Read(Reps);
        long len = block.Read(TextLength);
        string? text = len < 0 ? null : Encoding.UTF8.GetString(block.ByteSpan(8 * (Data + 4 * n), (int)len));
        if (block.Read(State) == 2) throw new InvalidOperationException($"the {side} failed in its core process: {text}");
        return new PairSideReport
        {
            Latency = block.Doubles(Data, n).ToArray(),
            Other = block.Doubles(Data + n, n).ToArray(),
            DisturbedLatency = Enumerable.Range(0, n).Select(i => block.Read(Data + 2 * n + i) != 0).ToArray(),
            DisturbedStream = Enumerable.Range(0, n).Select(i => block.Read(Data + 3 * n + i) != 0).ToArray(),
            Failure = text,
        };
    }
}
