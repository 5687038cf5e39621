namespace Splash.Radiosity;

/// <summary>
/// RADIOSITY's resource statistics after a run, counted as its print_statistics counts them: patches in the BSP tree,
/// elements in their quad-trees, interactions in the elements' lists, split by visibility (1: completely visible,
/// 0: completely invisible, else partially visible).
/// </summary>
public sealed record RadiosityStatistics(int Patches, int Elements, long Interactions, long Visible, long Invisible, long PartiallyVisible);
