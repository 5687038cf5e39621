namespace Splash.Radiosity;

/// <summary>
/// A unit of work in a task queue: form-factor refinement of two root elements (<see cref="A"/>, <see cref="B"/>),
/// gathering and BF refinement of an element (<see cref="A"/>), a batch of visibility computations (element
/// <see cref="A"/>, the interactions from <see cref="B"/> on, <see cref="C"/> of them), or radiosity averaging of an
/// element (<see cref="A"/>, mode <see cref="B"/>).
/// </summary>
public readonly record struct RadiosityTask(RadiosityTaskKind Kind, int A, int B = 0, int C = 0);
