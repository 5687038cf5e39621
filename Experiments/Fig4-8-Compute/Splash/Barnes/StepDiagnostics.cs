namespace Splash.Barnes;

/// <summary>
/// The state of the system in one step, taken after all forces of the step are computed (with the step's velocity
/// correction) and before positions advance: energies (KE = sum of m v^2 / 2, PE = sum of m phi / 2 with phi the
/// tree-walk potential), centre of mass position and velocity, angular momentum (sum of m x cross v), the step's
/// interaction counts, the bodies whose self-interaction went through their leaf's pseudo-particle, the cells and
/// leaves built (the root counts as a cell), the root's cost (the costs carried over from the previous step) and the
/// bounding cube the tree was built in.
/// </summary>
public sealed record StepDiagnostics(
    int Step,
    double Time,
    double TotalEnergy,
    double Kinetic,
    double Potential,
    Vector3d CentreOfMass,
    Vector3d CentreOfMassVelocity,
    Vector3d AngularMomentum,
    long BodyBody,
    long BodyCell,
    long SelfInteractionMissed,
    long Cells,
    long Leaves,
    long RootCost,
    double RootSize,
    Vector3d RootMin);
