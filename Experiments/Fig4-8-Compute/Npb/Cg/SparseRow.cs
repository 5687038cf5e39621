using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Npb.Cg;

/// <summary>The inner product of one CSR row with a dense vector: the hot loop of CG.</summary>
static class SparseRow
{
    /// <summary>
    /// sum over k in row j of val[k] * v[col[k]], accumulated in k order (as NPB). Bounds are not checked:
    /// the SparseMatrix constructor checks that RowStart ascends within the arrays and columns lie in [0, Order),
    /// and every caller passes a vector v of length at least Order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Dot(int[] rowStart, int[] col, double[] val, double[] v, int j)
    {
        ref int rs = ref MemoryMarshal.GetArrayDataReference(rowStart);
        ref int c = ref MemoryMarshal.GetArrayDataReference(col);
        ref double a = ref MemoryMarshal.GetArrayDataReference(val);
        ref double x = ref MemoryMarshal.GetArrayDataReference(v);
        nint k = Unsafe.Add(ref rs, j), end = Unsafe.Add(ref rs, j + 1);
        double sum = 0.0;
        for (; k < end; k++)
            sum += Unsafe.Add(ref a, k) * Unsafe.Add(ref x, (nint)(uint)Unsafe.Add(ref c, k));
        return sum;
    }
}
