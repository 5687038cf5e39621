namespace Fig1.SharedState;

/// <summary>Which lock guards the host baseline's update.</summary>
public enum HostLock
{
    /// <summary>The C# <c>lock</c> statement on a <see cref="System.Threading.Lock"/> (.NET 9+), what a .NET programmer writes.</summary>
    DotNetLock,
    /// <summary>A test-and-test-and-set spin lock (<see cref="TtasSpinLock"/>).</summary>
    SpinLock,
}
