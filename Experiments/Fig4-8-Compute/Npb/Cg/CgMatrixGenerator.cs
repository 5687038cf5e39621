using Npb.Random;

namespace Npb.Cg;

/// <summary>
/// NPB CG's matrix generator (makea, sprnvc, vecset, sparse): A = sum over i of size_i * v_i v_i^T, where v_i is a
/// random sparse vector with element i set to 0.5 and size_i falls geometrically from 1 to rcond; then
/// (rcond - shift) is added to the diagonal. Random numbers come from the NPB generator state <c>tran</c>, consumed
/// in exactly NPB's order.
/// </summary>
public static class CgMatrixGenerator
{
    public static SparseMatrix MakeA(CgParameters p, ref double tran)
    {
        int n = p.Na, width = p.Nonzer + 1;
        // nn1: the smallest power of two not less than n.
        int nn1 = 1;
        do { nn1 *= 2; } while (nn1 < n);

        var arow = new int[n];
        var acol = new int[n * width];
        var aelt = new double[n * width];
        Span<double> vc = stackalloc double[width];
        Span<int> ivc = stackalloc int[width];
        for (int iouter = 0; iouter < n; iouter++)
        {
            int nzv = p.Nonzer;
            Sprnvc(n, nzv, nn1, vc, ivc, ref tran);
            Vecset(vc, ivc, ref nzv, iouter + 1, 0.5);
            arow[iouter] = nzv;
            for (int ivelt = 0; ivelt < nzv; ivelt++)
            {
                acol[iouter * width + ivelt] = ivc[ivelt] - 1;
                aelt[iouter * width + ivelt] = vc[ivelt];
            }
        }
        return Sparse(n, p.MaxNonZeros, width, arow, acol, aelt, CgParameters.Rcond, p.Shift);
    }

    /// <summary>
    /// A sparse vector of <paramref name="nz"/> distinct positions in 1..n (1-based, as NPB) with random values:
    /// per element, one draw for the value and one for the position int(nn1 * draw) + 1, rejected if beyond n or
    /// already taken.
    /// </summary>
    static void Sprnvc(int n, int nz, int nn1, Span<double> v, Span<int> iv, ref double tran)
    {
        int nzv = 0;
        while (nzv < nz)
        {
            double vecelt = NpbRandom.Randlc(ref tran, NpbRandom.Multiplier);
            double vecloc = NpbRandom.Randlc(ref tran, NpbRandom.Multiplier);
            int i = (int)(nn1 * vecloc) + 1;
            if (i > n) continue;
            bool wasGenerated = false;
            for (int ii = 0; ii < nzv; ii++)
            {
                if (iv[ii] == i) { wasGenerated = true; break; }
            }
            if (wasGenerated) continue;
            v[nzv] = vecelt;
            iv[nzv] = i;
            nzv++;
        }
    }

    /// <summary>Sets element <paramref name="i"/> (1-based) of the sparse vector to <paramref name="val"/>, appending it if absent.</summary>
    static void Vecset(Span<double> v, Span<int> iv, ref int nzv, int i, double val)
    {
        bool set = false;
        for (int k = 0; k < nzv; k++)
        {
            if (iv[k] == i) { v[k] = val; set = true; }
        }
        if (!set)
        {
            v[nzv] = val;
            iv[nzv] = i;
            nzv++;
        }
    }

    /// <summary>
    /// NPB's sparse: sums the outer products into CSR rows (columns kept sorted by insertion, duplicates merged in
    /// place), then squeezes out the slots duplicates left empty. Row i's outer product is scaled by size, which
    /// shrinks by ratio = rcond^(1/n) per i.
    /// </summary>
    static SparseMatrix Sparse(int n, long nz, int width, int[] arow, int[] acol, double[] aelt, double rcond, double shift)
    {
        var rowstr = new int[n + 1];
        // Count the (possibly duplicate) entries of each row.
        for (int i = 0; i < n; i++)
            for (int nza = 0; nza < arow[i]; nza++)
                rowstr[acol[i * width + nza] + 1] += arow[i];
        for (int j = 1; j <= n; j++) rowstr[j] += rowstr[j - 1];
        if (rowstr[n] > nz)
            throw new InvalidOperationException($"CG sparse: {rowstr[n]} entries exceed the capacity {nz}");

        var a = new double[rowstr[n]];
        var colidx = new int[rowstr[n]];
        var nzloc = new int[n];
        Array.Fill(colidx, -1); // -1 marks an unused slot

        double size = 1.0;
        double ratio = Math.Pow(rcond, 1.0 / n);
        for (int i = 0; i < n; i++)
        {
            for (int nza = 0; nza < arow[i]; nza++)
            {
                int j = acol[i * width + nza];
                double scale = size * aelt[i * width + nza];
                for (int nzrow = 0; nzrow < arow[i]; nzrow++)
                {
                    int jcol = acol[i * width + nzrow];
                    double va = aelt[i * width + nzrow] * scale;
                    // Add rcond * identity (and shift it) so the smallest eigenvalue is bounded below by rcond.
                    if (jcol == j && j == i) va = va + rcond - shift;

                    int k = rowstr[j];
                    bool placed = false;
                    for (; k < rowstr[j + 1]; k++)
                    {
                        if (colidx[k] > jcol)
                        {
                            // Insert jcol here, shifting the used slots right by one.
                            for (int kk = rowstr[j + 1] - 2; kk >= k; kk--)
                            {
                                if (colidx[kk] > -1)
                                {
                                    a[kk + 1] = a[kk];
                                    colidx[kk + 1] = colidx[kk];
                                }
                            }
                            colidx[k] = jcol;
                            a[k] = 0.0;
                            placed = true;
                            break;
                        }
                        if (colidx[k] == -1)
                        {
                            colidx[k] = jcol;
                            placed = true;
                            break;
                        }
                        if (colidx[k] == jcol)
                        {
                            nzloc[j]++; // a duplicate: one slot of row j stays empty
                            placed = true;
                            break;
                        }
                    }
                    if (!placed) throw new InvalidOperationException($"CG sparse: no slot left in row {j} for column {jcol} (i={i})");
                    a[k] += va;
                }
            }
            size *= ratio;
        }

        // Remove the empty slots: row j moves left by the number of duplicates in rows before it.
        for (int j = 1; j < n; j++) nzloc[j] += nzloc[j - 1];
        for (int j = 0; j < n; j++)
        {
            int j1 = j > 0 ? rowstr[j] - nzloc[j - 1] : 0;
            int j2 = rowstr[j + 1] - nzloc[j];
            int src = rowstr[j];
            for (int k = j1; k < j2; k++)
            {
                a[k] = a[src];
                colidx[k] = colidx[src];
                src++;
            }
        }
        for (int j = 1; j <= n; j++) rowstr[j] -= nzloc[j - 1];

        int used = rowstr[n];
        Array.Resize(ref a, used);
        Array.Resize(ref colidx, used);
        return new SparseMatrix(n, rowstr, colidx, a);
    }
}
