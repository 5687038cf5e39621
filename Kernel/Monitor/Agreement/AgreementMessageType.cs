namespace Multikernel.Monitor.Agreement;

/// <summary>Message types of the agreement protocol (monitor extension range 64..71; the TLB shootdown uses 48..51).</summary>
public static class AgreementMessageType
{
    /// <summary>1PC: apply the update and acknowledge.</summary>
    public const byte Apply = 64;
    /// <summary>2PC phase 1: lock and validate the update, then vote.</summary>
    public const byte Prepare = 65;
    /// <summary>2PC phase 2: apply the prepared update and acknowledge.</summary>
    public const byte Commit = 66;
    /// <summary>2PC phase 2: drop the prepared update (or remember the abort if the prepare has not arrived) and acknowledge.</summary>
    public const byte Abort = 67;
    /// <summary>A participant's (or a multicast group's) vote on a prepare.</summary>
    public const byte Vote = 68;
    /// <summary>Acknowledgement of an apply, commit or abort, for the cores it covers.</summary>
    public const byte Ack = 69;

    public static bool IsAgreement(byte type) => type is >= Apply and <= Ack;
}
