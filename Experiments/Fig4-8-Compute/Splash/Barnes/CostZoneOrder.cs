namespace Splash.Barnes;

/// <summary>
/// The Peano-Hilbert-like traversal that cost-zones partitioning walks: in traversal state s (32 states, named by the
/// faces the curve enters and leaves by), the children are visited in the order <see cref="Child"/>[s] and child i
/// is walked in state <see cref="Next"/>[s][i]. The walk starts in state 0. Values from BARNES's code.C tables.
/// </summary>
public static class CostZoneOrder
{
    public const int Start = 0;

    public static readonly int[][] Child =
    [
        [2, 5, 6, 1, 0, 3, 4, 7], [2, 5, 6, 1, 0, 7, 4, 3], [1, 6, 5, 2, 3, 0, 7, 4], [1, 6, 5, 2, 3, 4, 7, 0],
        [6, 1, 2, 5, 4, 7, 0, 3], [6, 1, 2, 5, 4, 3, 0, 7], [5, 2, 1, 6, 7, 4, 3, 0], [5, 2, 1, 6, 7, 0, 3, 4],
        [1, 2, 5, 6, 7, 4, 3, 0], [1, 2, 5, 6, 7, 0, 3, 4], [6, 5, 2, 1, 0, 3, 4, 7], [6, 5, 2, 1, 0, 7, 4, 3],
        [5, 6, 1, 2, 3, 0, 7, 4], [5, 6, 1, 2, 3, 4, 7, 0], [2, 1, 6, 5, 4, 7, 0, 3], [2, 1, 6, 5, 4, 3, 0, 7],
        [3, 4, 7, 0, 1, 2, 5, 6], [3, 4, 7, 0, 1, 6, 5, 2], [0, 7, 4, 3, 2, 1, 6, 5], [0, 7, 4, 3, 2, 5, 6, 1],
        [7, 0, 3, 4, 5, 6, 1, 2], [7, 0, 3, 4, 5, 2, 1, 6], [4, 3, 0, 7, 6, 5, 2, 1], [4, 3, 0, 7, 6, 1, 2, 5],
        [0, 3, 4, 7, 6, 5, 2, 1], [0, 3, 4, 7, 6, 1, 2, 5], [7, 4, 3, 0, 1, 2, 5, 6], [7, 4, 3, 0, 1, 6, 5, 2],
        [4, 7, 0, 3, 2, 1, 6, 5], [4, 7, 0, 3, 2, 5, 6, 1], [3, 0, 7, 4, 5, 6, 1, 2], [3, 0, 7, 4, 5, 2, 1, 6],
    ];

    // State numbers: B/F = back/front, then R, L, U, D (right, left, up, down) and C/A; as in the reference's names.
    const int BRC_FUC = 0, BRC_FRA = 1, BRA_FDA = 2, BRA_FRC = 3, BLC_FDC = 4, BLC_FLA = 5, BLA_FUA = 6, BLA_FLC = 7;
    const int BUC_FUA = 8, BUC_FLC = 9, BUA_FUC = 10, BUA_FRA = 11, BDC_FDA = 12, BDC_FRC = 13, BDA_FDC = 14, BDA_FLA = 15;
    const int FRC_BUC = 16, FRC_BRA = 17, FRA_BDA = 18, FRA_BRC = 19, FLC_BDC = 20, FLC_BLA = 21, FLA_BUA = 22, FLA_BLC = 23;
    const int FUC_BUA = 24, FUC_BLC = 25, FUA_BUC = 26, FUA_BRA = 27, FDC_BDA = 28, FDC_BRC = 29, FDA_BDC = 30, FDA_BLA = 31;

    public static readonly int[][] Next =
    [
        [FRC_BUC, BRA_FRC, FDA_BDC, BLA_FUA, BUC_FLC, FUA_BUC, BRA_FRC, FDA_BLA],
        [FRC_BUC, BRA_FRC, FDA_BDC, BLA_FUA, BRA_FDA, FRC_BRA, BUC_FUA, FLC_BDC],
        [FRA_BDA, BRC_FRA, FUC_BUA, BLC_FDC, BDA_FLA, FDC_BDA, BRC_FRA, FUC_BLC],
        [FRA_BDA, BRC_FRA, FUC_BUA, BLC_FDC, BUC_FLC, FUA_BUC, BRA_FRC, FDA_BLA],
        [FLC_BDC, BLA_FLC, FUA_BUC, BRA_FDA, BDC_FRC, FDA_BDC, BLA_FLC, FUA_BRA],
        [FLC_BDC, BLA_FLC, FUA_BUC, BRA_FDA, BLA_FUA, FLC_BLA, BDC_FDA, FRC_BUC],
        [FLA_BUA, BLC_FLA, FDC_BDA, BRC_FUC, BUA_FRA, FUC_BUA, BLC_FLA, FDC_BRC],
        [FLA_BUA, BLC_FLA, FDC_BDA, BRC_FUC, BLC_FDC, FLA_BLC, BUA_FUC, FRA_BDA],
        [FUC_BLC, BUA_FUC, FRA_BRC, BDA_FLA, BUA_FRA, FUC_BUA, BLC_FLA, FDC_BRC],
        [FUC_BLC, BUA_FUC, FRA_BRC, BDA_FLA, BLC_FDC, FLA_BLC, BUA_FUC, FRA_BDA],
        [FUA_BRA, BUC_FUA, FLC_BLA, BDC_FRC, BUC_FLC, FUA_BUC, BRA_FRC, FDA_BLA],
        [FUA_BRA, BUC_FUA, FLC_BLA, BDC_FRC, BRA_FDA, FRC_BRA, BUC_FUA, FLC_BDC],
        [FDC_BRC, BDA_FDC, FLA_BLC, BUA_FRA, BDA_FLA, FDC_BDA, BRC_FRA, FUC_BLC],
        [FDC_BRC, BDA_FDC, FLA_BLC, BUA_FRA, BUC_FLC, FUA_BUC, BRA_FRC, FDA_BLA],
        [FDA_BLA, BDC_FDA, FRC_BRA, BUC_FLC, BDC_FRC, FDA_BDC, BLA_FLC, FUA_BRA],
        [FDA_BLA, BDC_FDA, FRC_BRA, BUC_FLC, BLA_FUA, FLC_BLA, BDC_FDA, FRC_BUC],
        [BUC_FLC, FUA_BUC, BRA_FRC, FDA_BLA, FUC_BLC, BUA_FUC, FRA_BRC, BDA_FLA],
        [BUC_FLC, FUA_BUC, BRA_FRC, FDA_BLA, FRA_BDA, BRC_FRA, FUC_BUA, BLC_FDC],
        [BRA_FDA, FRC_BRA, BUC_FUA, FLC_BDC, FDA_BLA, BDC_FDA, FRC_BRA, BUC_FLC],
        [BRA_FDA, FRC_BRA, BUC_FUA, FLC_BDC, FRC_BUC, BRA_FRC, FDA_BDC, BLA_FUA],
        [BLC_FDC, FLA_BLC, BUA_FUC, FRA_BDA, FDC_BRC, BDA_FDC, FLA_BLC, BUA_FRA],
        [BLC_FDC, FLA_BLC, BUA_FUC, FRA_BDA, FLA_BUA, BLC_FLA, FDC_BDA, BRC_FUC],
        [BLA_FUA, FLC_BLA, BDC_FDA, FRC_BUC, FUA_BRA, BUC_FUA, FLC_BLA, BDC_FRC],
        [BLA_FUA, FLC_BLA, BDC_FDA, FRC_BUC, FLC_BDC, BLA_FLC, FUA_BUC, BRA_FDA],
        [BUC_FLC, FUA_BUC, BRA_FRC, FDA_BLA, FUA_BRA, BUC_FUA, FLC_BLA, BDC_FRC],
        [BUC_FLC, FUA_BUC, BRA_FRC, FDA_BLA, FLC_BDC, BLA_FLC, FUA_BUC, BRA_FDA],
        [BUA_FRA, FUC_BUA, BLC_FLA, FDC_BRC, FUC_BLC, BUA_FUC, FRA_BRC, BDA_FLA],
        [BUA_FRA, FUC_BUA, BLC_FLA, FDC_BRC, FRA_BDA, BRC_FRA, FUC_BUA, BLC_FDC],
        [BDC_FRC, FDA_BDC, BLA_FLC, FUA_BRA, FDA_BLA, BDC_FDA, FRC_BRA, BUC_FLC],
        [BDC_FRC, FDA_BDC, BLA_FLC, FUA_BRA, FRC_BUC, BRA_FRC, FDA_BDC, BLA_FUA],
        [BDA_FLA, FDC_BDA, BRC_FRA, FUC_BLC, FDC_BRC, BDA_FDC, FLA_BLC, BUA_FRA],
        [BDA_FLA, FDC_BDA, BRC_FRA, FUC_BLC, FLA_BUA, BLC_FLA, FDC_BDA, BRC_FUC],
    ];
}
