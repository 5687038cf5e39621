namespace Multikernel.Hardware;

/// <summary>How far apart two cores are, nearest first. Used to class URPC pairs and to build routing trees.</summary>
public enum CorePairDistance
{
    SameCore = 0,
    /// <summary>Hyperthreads of one physical core.</summary>
    SiblingThread = 1,
    SameL3 = 2,
    SameNumaNode = 3,
    SamePackage = 4,
    OtherPackage = 5,
}
