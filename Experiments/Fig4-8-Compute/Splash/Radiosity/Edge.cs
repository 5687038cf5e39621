namespace Splash.Radiosity;

/// <summary>
/// An element edge from vertex A to vertex B, shared by the two elements on either side; subdividing it makes the
/// children A-middle (<see cref="Ea"/>) and middle-B (<see cref="Eb"/>), so neighbours share their midpoints. An element
/// may use an edge in reverse (its vertex order opposite to A-B).
/// </summary>
public struct Edge
{
    public int Pa, Pb;
    public int Ea, Eb;
}
