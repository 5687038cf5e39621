using Multikernel.Monitor;

namespace Multikernel.CoreProcesses;

/// <summary>The kernel's own requests, registered in every <see cref="CoreProgram"/> (names starting "kernel.").</summary>
internal static class KernelRequests
{
    /// <summary>Pings every other monitor from the receiving one; answers with the number of peers once all have answered.</summary>
    public const string PingPeers = "kernel.ping-peers";
    /// <summary>Binds the receiving core (client) to core W0 with W1 slots through the monitors; answers with the binding's name (3 words).</summary>
    public const string Bind = "kernel.bind";

    public static void AddTo(CoreProgram program)
    {
        program.AddKernelRequest(PingPeers, static (m, _, reply) =>
        {
            int peers = m.CoreCount - 1, answered = 0;
            if (peers == 0) { reply.Complete(); return; }
            for (int p = 0; p < m.CoreCount; p++)
                if (p != m.CoreIndex)
                    m.Ping(p, error =>
                    {
                        if (reply.Answered) return;
                        if (error != null) reply.Fail(error);
                        else if (++answered == peers) reply.Complete(new CoreArgs((ulong)peers));
                    });
        });
        program.AddKernelRequest(Bind, static (m, a, reply) => m.Bind((int)a.W0, (int)a.W1, r =>
        {
            if (!r.Ok) { reply.Fail(r.Error!); return; }
            var name = r.Value!.Name ?? throw new InvalidOperationException("a binding made in thread mode has no name across processes");
            var (w0, w1, w2) = name.Encode();
            reply.Complete(new CoreArgs(w0, w1, w2));
        }));
    }
}
