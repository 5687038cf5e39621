using Splash.Team;

namespace Compute.Tests;

/// <summary>
/// Runs a test body against a team runtime created on a thread of its own (pinned runtimes only accept teams from the
/// thread that created them) and fails instead of hanging if the body does not finish: a lost wake-up or a deadlock
/// shows up as a timeout naming the runtime.
/// </summary>
static class TeamHarness
{
    public static void With(string runtime, int workers, Action<ITeamRuntime> body, int seconds = 120)
    {
        TestRuntimes.SkipUnlessCores(runtime, workers);
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                var rt = TestRuntimes.CreateTeam(runtime, workers);
                try { body(rt); }
                finally { TestRuntimes.Dispose(rt); }
            }
            catch (Exception e) { error = e; }
        }) { IsBackground = true, Name = $"team-test-{runtime}-{workers}" };
        thread.Start();
        if (!thread.Join(TimeSpan.FromSeconds(seconds)))
            Assert.Fail($"{runtime} with {workers} workers did not finish within {seconds} s (a deadlock or a lost wake-up)");
        if (error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
    }
}
