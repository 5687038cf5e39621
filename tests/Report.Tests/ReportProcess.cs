using System.Diagnostics;

namespace Report.Tests;

/// <summary>Runs the built report program (report.dll beside the tests) as a user would, capturing exit code and output.</summary>
public static class ReportProcess
{
    public sealed record Outcome(int ExitCode, string Stdout, string Stderr);

    public static Outcome Run(params string[] args) => Run(null, args);

    public static Outcome Run(IDictionary<string, string>? env, params string[] args) => RunIn(null, env, args);

    /// <summary>Runs the report with <paramref name="workingDirectory"/> (null: this process's) as its current folder,
    /// where relative paths in <paramref name="args"/> lead.</summary>
    public static Outcome RunIn(string? workingDirectory, IDictionary<string, string>? env, params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "report.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null) psi.WorkingDirectory = workingDirectory;
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(TimeSpan.FromMinutes(4))) { p.Kill(true); throw new TimeoutException("report did not finish in 4 minutes"); }
        return new Outcome(p.ExitCode, stdout, err.Result);
    }
}
