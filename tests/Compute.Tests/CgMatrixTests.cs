using Npb;
using Npb.Cg;
using Npb.Random;

namespace Compute.Tests;

/// <summary>Structural properties of CG's generated matrix, which follow from its construction as a sum of outer products.</summary>
public class CgMatrixTests
{
    [Fact]
    public void Class_S_matrix_is_symmetric_with_sorted_rows_and_a_full_diagonal()
    {
        var p = CgParameters.Of(ProblemClass.S);
        double tran = NpbRandom.Seed;
        NpbRandom.Randlc(ref tran, NpbRandom.Multiplier);
        var m = CgMatrixGenerator.MakeA(p, ref tran);

        Assert.Equal(p.Na, m.Order);
        Assert.InRange(m.NonZeros, p.Na, p.MaxNonZeros);
        var entries = new Dictionary<(int, int), double>();
        for (int j = 0; j < m.Order; j++)
            for (int k = m.RowStart[j]; k < m.RowStart[j + 1]; k++)
                entries[(j, m.Column[k])] = m.Value[k];
        for (int j = 0; j < m.Order; j++) Assert.True(entries.ContainsKey((j, j)), $"no diagonal in row {j}");
        foreach (var ((r, c), v) in entries)
        {
            Assert.True(entries.TryGetValue((c, r), out double t), $"({r},{c}) has no mirror");
            Assert.Equal(v, t, 1e-12 * Math.Max(1, Math.Abs(v)));
        }
    }
}
