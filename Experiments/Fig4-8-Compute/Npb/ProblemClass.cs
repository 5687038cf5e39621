namespace Npb;

/// <summary>NPB problem size classes supported here.</summary>
public enum ProblemClass { S, W, A, B }
