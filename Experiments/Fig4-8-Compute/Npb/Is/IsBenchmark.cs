using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Npb.Random;
using Npb.Runtime;

namespace Npb.Is;

/// <summary>
/// NPB IS: ranks 2^n integer keys in [0, MAX_KEY) by a bucketed counting sort, ten times. Keys are
/// (MAX_KEY / 4) x (sum of four generator draws). Iteration it first sets key[it] = it and key[it + 10] =
/// MAX_KEY - it. Per iteration: each static block counts its keys per bucket; bucket pointers are the prefix sums
/// (bucket-major, block-minor); each block scatters its keys into its bucket slots; then, bucket by bucket
/// (dynamic schedule), keys are counted per value and the counts prefix-summed into ranks. Partial verification
/// (5 test keys per iteration) runs in the timed region as in NPB; full verification (the keys placed by rank are
/// in order) afterwards.
/// </summary>
public sealed class IsBenchmark : INpbBenchmark
{
    readonly IsParameters _p;
    readonly int[] _keys;        // key_array
    readonly int[] _sorted;      // key_buff2: keys grouped by bucket
    readonly int[] _ranks;       // key_buff1: for value v, the number of keys <= v
    readonly int[] _bucketEnd;   // global: end (exclusive) of bucket i in _sorted
    int[][] _blockCounts = [];   // per static block: keys of that block in each bucket
    int[][] _blockNext = [];     // per static block: next free slot of each bucket
    readonly int[] _partialVerifyKeys = new int[IsParameters.TestKeys];
    readonly int[] _failedChecks = new int[IsParameters.Iterations + 1]; // per iteration: bit i set if test key i failed

    public IsBenchmark(ProblemClass cls)
    {
        _p = IsParameters.Of(cls);
        _keys = new int[_p.TotalKeys];
        _sorted = new int[_p.TotalKeys];
        _ranks = new int[_p.MaxKey];
        _bucketEnd = new int[_p.Buckets];
    }

    public string Name => "IS";

    public ProblemClass Class => _p.Class;

    public IsParameters Parameters => _p;

    public bool InTimedRegion { get; private set; }

    public NpbResult Run(IParallelRuntime rt)
    {
        EnsureBlocks(rt.Workers);
        rt.For(0, _p.TotalKeys, new CreateKeys(_keys, _p.MaxKey / 4));
        CheckKeyRange();

        Rank(rt, 1); // untimed, as NPB

        Array.Clear(_failedChecks);
        InTimedRegion = true;
        long start = Stopwatch.GetTimestamp();
        for (int it = 1; it <= IsParameters.Iterations; it++)
            _failedChecks[it] = Rank(rt, it);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        InTimedRegion = false;

        int partialExpected = IsParameters.TestKeys * IsParameters.Iterations;
        int partialPassed = partialExpected;
        var failed = new List<string>();
        for (int it = 1; it <= IsParameters.Iterations; it++)
            for (int i = 0; i < IsParameters.TestKeys; i++)
                if ((_failedChecks[it] & (1 << i)) != 0)
                {
                    partialPassed--;
                    failed.Add($"it{it}/key{i}");
                }
        bool fullOk = FullVerify(out long outOfOrder);
        bool ok = partialPassed == partialExpected && fullOk;
        string detail = $"partial checks passed {partialPassed}/{partialExpected}" +
                        (failed.Count > 0 ? $" (failed: {string.Join(' ', failed.Take(10))}{(failed.Count > 10 ? " ..." : "")})" : "") + "; " +
                        (fullOk ? "full verification passed (keys in order)" : $"full verification failed: {outOfOrder} keys out of order");
        double mops = seconds > 0 ? _p.Operations / seconds / 1e6 : double.NaN;
        return new NpbResult(Name, _p.Class, rt.Workers, seconds, mops, ok, detail);
    }

    /// <summary>Keys are (MAX_KEY / 4) x (a sum of four draws in (0, 1)), so in [0, MAX_KEY); the ranking loops index by key and rely on it.</summary>
    void CheckKeyRange()
    {
        foreach (int key in _keys)
            if ((uint)key >= (uint)_p.MaxKey)
                throw new InvalidOperationException($"IS: generated key {key} outside [0, {_p.MaxKey})");
    }

    void EnsureBlocks(int workers)
    {
        if (_blockCounts.Length == workers) return;
        _blockCounts = new int[workers][];
        _blockNext = new int[workers][];
        for (int w = 0; w < workers; w++)
        {
            _blockCounts[w] = new int[_p.Buckets];
            _blockNext[w] = new int[_p.Buckets];
        }
    }

    /// <summary>One ranking (NPB's rank(iteration)); returns a mask with bit i set where partial check i failed.</summary>
    int Rank(IParallelRuntime rt, int iteration)
    {
        int shift = _p.MaxKeyLog2 - _p.BucketsLog2;
        _keys[iteration] = iteration;
        _keys[iteration + IsParameters.Iterations] = _p.MaxKey - iteration;
        for (int i = 0; i < IsParameters.TestKeys; i++)
            _partialVerifyKeys[i] = _keys[_p.TestIndex[i]];

        rt.For(0, _p.TotalKeys, new CountBuckets(_keys, _blockCounts, shift));

        // Bucket pointers: bucket-major, then block order, so block b's keys of bucket i follow blocks 0..b-1's.
        int running = 0;
        int blocks = rt.Workers;
        for (int i = 0; i < _p.Buckets; i++)
        {
            for (int b = 0; b < blocks; b++)
            {
                _blockNext[b][i] = running;
                running += _blockCounts[b][i];
            }
            _bucketEnd[i] = running;
        }

        rt.For(0, _p.TotalKeys, new ScatterToBuckets(_keys, _sorted, _blockNext, shift));
        rt.For(0, _p.Buckets, new RankBucket(_sorted, _ranks, _bucketEnd, 1 << shift), Schedule.Dynamic);

        int failedMask = 0;
        for (int i = 0; i < IsParameters.TestKeys; i++)
        {
            int k = _partialVerifyKeys[i];
            bool pass = 0 < k && k <= _p.TotalKeys - 1 && _ranks[k - 1] == _p.ExpectedRank(i, iteration);
            if (!pass) failedMask |= 1 << i;
        }
        return failedMask;
    }

    /// <summary>Places every key at its rank (decrementing the per-value counts) and counts keys out of order.</summary>
    bool FullVerify(out long outOfOrder)
    {
        outOfOrder = KeysOutOfOrder(_sorted, _ranks, _keys);
        return outOfOrder == 0;
    }

    /// <summary>
    /// NPB's full_verify: places every key of <paramref name="sorted"/> at its rank in <paramref name="keys"/>
    /// (<paramref name="ranks"/>[v] = the number of keys &lt;= v, decremented as keys of value v are placed) and returns
    /// how many keys are then out of order, a rank outside the array counting as one. 0 only for a right ranking:
    /// a wrong one leaves a slot with what <paramref name="keys"/> held before, or places a key out of order.
    /// </summary>
    internal static long KeysOutOfOrder(int[] sorted, int[] ranks, int[] keys)
    {
        long outOfOrder = 0;
        for (int i = 0; i < sorted.Length; i++)
        {
            int key = sorted[i];
            int at = --ranks[key];
            if ((uint)at < (uint)keys.Length) keys[at] = key;
            else outOfOrder++; // a rank outside the array: the ranking was wrong
        }
        for (int i = 1; i < keys.Length; i++)
            if (keys[i - 1] > keys[i]) outOfOrder++;
        return outOfOrder;
    }

    /// <summary>
    /// NPB's create_seq: key i = k x (sum of draws 4i+1 .. 4i+4), k = MAX_KEY / 4. Block [lo, hi) jumps the
    /// generator ahead by 4 lo draws, so the keys do not depend on the worker count.
    /// </summary>
    readonly struct CreateKeys(int[] keys, int k) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int lo, int hi, int worker)
        {
            double s = NpbRandom.Skip(NpbRandom.Seed, NpbRandom.Multiplier, 4L * lo);
            const double a = NpbRandom.Multiplier;
            for (int i = lo; i < hi; i++)
            {
                double x = NpbRandom.Randlc(ref s, a);
                x += NpbRandom.Randlc(ref s, a);
                x += NpbRandom.Randlc(ref s, a);
                x += NpbRandom.Randlc(ref s, a);
                keys[i] = (int)(k * x);
            }
        }
    }

    /// <summary>Block <c>worker</c> counts its keys per bucket.</summary>
    readonly struct CountBuckets(int[] keys, int[][] blockCounts, int shift) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int lo, int hi, int worker)
        {
            int[] counts = blockCounts[worker];
            Array.Clear(counts);
            ref int c = ref MemoryMarshal.GetArrayDataReference(counts);
            var ks = keys.AsSpan(lo, hi - lo);
            // Keys are in [0, MAX_KEY), so key >> shift is in [0, buckets) = [0, counts.Length).
            for (int i = 0; i < ks.Length; i++)
                Unsafe.Add(ref c, ks[i] >> shift)++;
        }
    }

    /// <summary>Block <c>worker</c> moves its keys into its slots of each bucket (the same static block as when counting).</summary>
    readonly struct ScatterToBuckets(int[] keys, int[] sorted, int[][] blockNext, int shift) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int lo, int hi, int worker)
        {
            int[] next = blockNext[worker];
            ref int n = ref MemoryMarshal.GetArrayDataReference(next);
            var ks = keys.AsSpan(lo, hi - lo);
            // key >> shift is a bucket index (keys are in range). The slot is bounds-checked: it is right only if this
            // block is the one CountBuckets counted for this worker, which is the runtime's static-schedule promise.
            for (int i = 0; i < ks.Length; i++)
            {
                int key = ks[i];
                ref int slot = ref Unsafe.Add(ref n, key >> shift);
                sorted[slot] = key;
                slot++;
            }
        }
    }

    /// <summary>
    /// For buckets [lo, hi): counts each key value of the bucket, then prefix-sums the counts, starting from the
    /// number of keys in lower buckets, so ranks[v] = number of keys &lt;= v.
    /// </summary>
    readonly struct RankBucket(int[] sorted, int[] ranks, int[] bucketEnd, int keysPerBucket) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int lo, int hi, int worker)
        {
            ref int r = ref MemoryMarshal.GetArrayDataReference(ranks);
            for (int i = lo; i < hi; i++)
            {
                int k1 = i * keysPerBucket, k2 = k1 + keysPerBucket;
                ranks.AsSpan(k1, keysPerBucket).Clear();
                int m = i > 0 ? bucketEnd[i - 1] : 0;
                // Keys of bucket i have values in [k1, k2), inside ranks.
                foreach (int key in sorted.AsSpan(m, bucketEnd[i] - m))
                    Unsafe.Add(ref r, key)++;
                ranks[k1] += m;
                for (int k = k1 + 1; k < k2; k++)
                    ranks[k] += ranks[k - 1];
            }
        }
    }
}
