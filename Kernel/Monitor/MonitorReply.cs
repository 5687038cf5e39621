namespace Multikernel.Monitor;

/// <summary>What a request to another monitor came back with: the value, or the exception that stopped it.</summary>
public readonly record struct MonitorReply<T>(T? Value, Exception? Error) where T : notnull
{
    public bool Ok => Error == null;

    /// <summary>The value, or the error rethrown as an <see cref="InvalidOperationException"/> that says what failed.</summary>
    public T ValueOrThrow(string what) =>
        Error == null ? Value! : throw new InvalidOperationException($"{what} failed: {Error.Message}", Error);
}
