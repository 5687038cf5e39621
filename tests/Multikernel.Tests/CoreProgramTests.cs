using Multikernel.CoreProcesses;

namespace Multikernel.Tests;

/// <summary>
/// The registry every core process builds (<see cref="CoreProgram"/>), the words a request carries
/// (<see cref="CoreArgs"/>) and the answer a handler gives (<see cref="CoreReply"/>), checked in this process.
/// </summary>
public class CoreProgramTests
{
    static CoreProgram NewProgram() => new(typeof(CoreProgramTests).Assembly);

    [Fact]
    public void EachOfTheFiveWordsReadsBackByIndexAndASixthIsRefused()
    {
        var args = new CoreArgs(10, 11, 12, 13, 14);
        for (int i = 0; i < CoreArgs.Words; i++) Assert.Equal((ulong)(10 + i), args[i]);
        foreach (int bad in new[] { -1, CoreArgs.Words })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => args[bad]);
            Assert.Contains("words 0..4", e.Message);
        }
    }

    /// <summary>Names starting "kernel." belong to the kernel's own requests: a program may not register one, as a request or as an image.</summary>
    [Fact]
    public void AProgramCannotRegisterAKernelName()
    {
        var program = NewProgram();
        var e = Assert.Throws<ArgumentException>(() => program.AddRequest("kernel.mine", (_, _, r) => r.Complete()));
        Assert.Contains("belong to the kernel", e.Message);
        Assert.Throws<ArgumentException>(() => program.AddImage("kernel.image", (_, _) => throw new NotSupportedException()));
        Assert.Contains("registered twice", Assert.Throws<ArgumentException>(() => program.AddRequest("twice", (_, _, r) => r.Complete()).AddRequest("twice", (_, _, r) => r.Complete())).Message);
    }

    /// <summary>
    /// A name's id hashes both bytes of each UTF-16 code unit: 'A' (U+0041) and 'Ł' (U+0141) share their low byte and
    /// still get different ids, so both register.
    /// </summary>
    [Fact]
    public void NamesThatDifferOnlyInACharactersHighByteHaveDifferentIds()
    {
        Assert.NotEqual(CoreProgram.IdOf("test.A"), CoreProgram.IdOf("test.\u0141"));
        var program = NewProgram().AddRequest("test.A", (_, _, r) => r.Complete()).AddRequest("test.\u0141", (_, _, r) => r.Complete());
        Assert.NotNull(program);
    }

    /// <summary>A request is answered once: the first answer reaches the host, a second (complete or fail) throws on the core and changes nothing.</summary>
    [Fact]
    public async Task ASecondAnswerToARequestThrowsAndTheFirstStands()
    {
        string? secondComplete = null, secondFail = null;
        bool handled = false;
        var program = NewProgram().AddRequest("test.answer-twice", (_, _, reply) =>
        {
            reply.Complete(new CoreArgs(1));
            try { reply.Complete(new CoreArgs(2)); }
            catch (InvalidOperationException e) { secondComplete = e.Message; }
            try { reply.Fail(new InvalidOperationException("too late")); }
            catch (InvalidOperationException e) { secondFail = e.Message; }
            Volatile.Write(ref handled, true);
        });
        using var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = [CoreAffinity.AllowedCpus()[0]], Program = program });
        var task = mk.RequestAsync(0, "test.answer-twice", default);
        mk.WaitFor(() => task.IsCompleted && Volatile.Read(ref handled), TimeSpan.FromMinutes(1), "the request and its handler");
        Assert.Equal(1UL, (await task).W0);
        Assert.Equal("a request is answered once", secondComplete);
        Assert.Equal("a request is answered once", secondFail);
        mk.Shutdown();
    }
}
