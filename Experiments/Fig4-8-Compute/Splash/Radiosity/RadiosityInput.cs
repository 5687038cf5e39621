namespace Splash.Radiosity;

/// <summary>
/// RADIOSITY's accuracy parameters (its command line's -ae, -bf, -en, -tq, -pr, -pv) and the scene. Defaults are the
/// values the code uses (its -h text misstates bf and en).
/// </summary>
public sealed record RadiosityInput
{
    /// <summary>-ae: elements of area at most this are never subdivided (model units; the room is about 1700 x 1600 x 1700).</summary>
    public float AreaEpsilon { get; init; } = (float)2000.0;
    /// <summary>-bf: an interaction whose estimated B F error exceeds this is refined.</summary>
    public float BfEpsilon { get; init; } = (float)0.00015;
    /// <summary>-en: iteration stops when the relative change of the total energy is at most this.</summary>
    public float EnergyEpsilon { get; init; } = (float)0.00005;
    /// <summary>-tq: a worker whose queue holds more than this many tasks runs new subtasks inline.</summary>
    public int TasksPerQueue { get; init; } = 200;
    /// <summary>-pr: an element with fewer interactions than this is processed inline, not as a task.</summary>
    public int ParallelRefineMinimum { get; init; } = 5;
    /// <summary>-pv: visibility computations per visibility task.</summary>
    public int VisibilityPerTask { get; init; } = 4;
    public IReadOnlyList<ScenePolygon> Scene { get; init; } = RoomScene.Polygons;
    public string Name { get; init; } = "custom";

    /// <summary>The SPLASH-2 paper's invocation <c>-ae 5000 -en 0.050 -bf 0.10 -room</c> (2664 elements, 3 iterations at 1 thread).</summary>
    public static RadiosityInput Paper => new() { AreaEpsilon = 5000f, EnergyEpsilon = 0.050f, BfEpsilon = 0.10f, Name = "paper" };

    /// <summary>The README's base problem <c>-room</c> with the code's defaults (26284 elements, 10 iterations at 1 thread).</summary>
    public static RadiosityInput Base => new() { Name = "base" };

    public override string ToString() =>
        $"{Name}: room scene ({Scene.Count} polygons), ae {AreaEpsilon}, bf {BfEpsilon}, en {EnergyEpsilon}, tq {TasksPerQueue}, pr {ParallelRefineMinimum}, pv {VisibilityPerTask}";
}
