namespace Splash.Radiosity;

/// <summary>The kinds of <see cref="RadiosityTask"/>.</summary>
public enum RadiosityTaskKind : byte
{
    FormFactorRefinement = 1,
    Ray = 2,
    Visibility = 3,
    RadiosityAverage = 4,
}
