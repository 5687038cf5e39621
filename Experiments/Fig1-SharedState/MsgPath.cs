namespace Fig1.SharedState;

/// <summary>Which code the MSG server and clients run.</summary>
public enum MsgPath
{
    /// <summary>The kernel's normal path: waitset poll by the CPU driver, message-handler upcall, reply (<see cref="UpdateServer"/>, <see cref="UpdateClient"/>).</summary>
    Kernel,
    /// <summary>MSGn-raw: one run upcall per participant spinning on its raw channel ends (<see cref="RawUpdateServer"/>, <see cref="RawUpdateClient"/>).</summary>
    Raw,
}
