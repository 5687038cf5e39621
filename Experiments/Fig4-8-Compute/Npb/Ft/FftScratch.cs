namespace Npb.Ft;

/// <summary>
/// One worker's private buffers for the 1-D FFTs: <see cref="Fft3D.Block"/> lines of up to <c>maxLength</c> points,
/// stored point-major (element [point * Block + line]) with real and imaginary parts split, so the butterflies
/// run over the Block lines with unit stride.
/// </summary>
public sealed class FftScratch(int maxLength)
{
    public readonly double[] Re1 = new double[maxLength * Fft3D.Block];
    public readonly double[] Im1 = new double[maxLength * Fft3D.Block];
    public readonly double[] Re2 = new double[maxLength * Fft3D.Block];
    public readonly double[] Im2 = new double[maxLength * Fft3D.Block];
}
