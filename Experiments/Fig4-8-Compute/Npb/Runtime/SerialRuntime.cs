namespace Npb.Runtime;

/// <summary>One worker: every loop runs on the calling thread. The reference for what a kernel computes.</summary>
public sealed class SerialRuntime : ForkJoinRuntime
{
    public SerialRuntime() : base(1) { }

    public override string Name => "serial";

    protected override void RunOnAllWorkers(WorkerTask task) => task.Run(0);

    public override void Dispose() { }
}
