using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Npb.Runtime;

namespace Compute.Tests;

public class StaticPartitionTests
{
    [Property(MaxTest = 300)]
    public Property Blocks_are_ordered_disjoint_cover_the_range_and_differ_by_at_most_one()
    {
        var input = Gen.Choose(-50, 50).SelectMany(from => Gen.Choose(0, 200).SelectMany(len => Gen.Choose(1, 20).Select(parts => (from, len, parts))));
        return Prop.ForAll(input.ToArbitrary(), t =>
        {
            var (from, len, parts) = t;
            int expectLo = from, min = int.MaxValue, max = 0;
            for (int w = 0; w < parts; w++)
            {
                var (lo, hi) = StaticPartition.Block(from, from + len, parts, w);
                if (lo != expectLo || hi < lo) return false;
                min = Math.Min(min, hi - lo);
                max = Math.Max(max, hi - lo);
                expectLo = hi;
            }
            return expectLo == from + len && max - min <= 1;
        });
    }
}
