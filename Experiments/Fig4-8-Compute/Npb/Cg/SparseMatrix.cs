namespace Npb.Cg;

/// <summary>
/// A square matrix in compressed sparse row form. Row j's entries are k in [RowStart[j], RowStart[j+1]),
/// with column Column[k] (0-based, ascending within a row, no duplicates) and value Value[k].
/// </summary>
/// The constructor checks this invariant, which lets the multiply loop skip bounds checks.
public sealed class SparseMatrix
{
    public SparseMatrix(int order, int[] rowStart, int[] column, double[] value)
    {
        if (rowStart.Length != order + 1 || rowStart[0] != 0)
            throw new ArgumentException($"rowStart must have {order + 1} entries starting at 0", nameof(rowStart));
        if (column.Length < rowStart[order] || value.Length < rowStart[order])
            throw new ArgumentException($"column and value need {rowStart[order]} entries", nameof(column));
        for (int j = 0; j < order; j++)
        {
            if (rowStart[j + 1] < rowStart[j]) throw new ArgumentException($"rowStart decreases at row {j}", nameof(rowStart));
            for (int k = rowStart[j]; k < rowStart[j + 1]; k++)
            {
                if ((uint)column[k] >= (uint)order) throw new ArgumentException($"row {j}: column {column[k]} outside [0, {order})", nameof(column));
                if (k > rowStart[j] && column[k] <= column[k - 1]) throw new ArgumentException($"row {j}: columns not strictly ascending", nameof(column));
            }
        }
        Order = order;
        RowStart = rowStart;
        Column = column;
        Value = value;
    }

    public int Order { get; }
    public int[] RowStart { get; }
    public int[] Column { get; }
    public double[] Value { get; }
    public int NonZeros => RowStart[Order];
}
