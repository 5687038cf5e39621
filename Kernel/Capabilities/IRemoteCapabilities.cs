namespace Multikernel.Capabilities;

/// <summary>
/// The seam between a core's <see cref="CapabilityDriver"/> and the monitors: the driver asks, before a delete, revoke,
/// retype or transfer, whether other cores hold copies or descendants of the object, and who owns it. The monitors
/// answer from their replica of the capability ownership table (changed only by agreement); a driver without
/// monitors uses <see cref="None"/> (every object is local and owned by its core).
/// <para>Implementations are core-local: called only on the driver's core, they read that core's replica.</para>
/// </summary>
public interface IRemoteCapabilities
{
    /// <summary>Relations of <paramref name="key"/>'s object to other cores, as seen from <paramref name="core"/>.</summary>
    RemoteRelations RelationsOf(in CapObjectKey key, int core);

    /// <summary>
    /// <see cref="RelationsOf"/> as a retype of [<paramref name="first"/>, + <paramref name="bytes"/>) of the object
    /// sees it: descendants on other cores count only where they may overlap that range, and so do the ranges locked
    /// by prepared operations.
    /// </summary>
    RemoteRelations RelationsOfRange(in CapObjectKey key, ulong first, ulong bytes, int core) => RelationsOf(key, core);

    /// <summary>The core that owns the object (<paramref name="core"/> itself for an object no other core knows).</summary>
    int OwnerOf(in CapObjectKey key, int core);

    /// <summary>True when the ownership table lists <paramref name="core"/> as a holder of the object (a transferred capability may be installed).</summary>
    bool IsHolder(in CapObjectKey key, int core);

    /// <summary>
    /// True while a distributed operation on a range overlapping the object is prepared and not yet decided (the
    /// <see cref="RemoteRelations.Locked"/> of <see cref="RelationsOf"/>, without the table lookup).
    /// </summary>
    bool IsLocked(in CapObjectKey key);

    /// <summary>No other cores: nothing is shared, every object is owned by the core that has it, nothing may be imported.</summary>
    public static IRemoteCapabilities None { get; } = new LocalOnly();

    private sealed class LocalOnly : IRemoteCapabilities
    {
        public RemoteRelations RelationsOf(in CapObjectKey key, int core) => RemoteRelations.None;
        public int OwnerOf(in CapObjectKey key, int core) => core;
        public bool IsHolder(in CapObjectKey key, int core) => false;
        public bool IsLocked(in CapObjectKey key) => false;
    }
}
