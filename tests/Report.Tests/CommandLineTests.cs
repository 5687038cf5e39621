using Report.Catalog;

namespace Report.Tests;

public class CommandLineTests
{
    [Fact]
    public void Missing_run_folder_exits_1_naming_it_and_writes_nothing()
    {
        using var fx = new FixtureRun();
        string missing = Path.Combine(fx.Root, "nope");
        var r = ReportProcess.Run("--run", missing, "--no-pdf");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(missing, r.Stderr);
        Assert.Contains("does not exist", r.Stderr);
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public void Half_written_folder_exits_1_and_leaves_the_run_folder_as_it_was()
    {
        using var fx = new FixtureRun().WithFig1();
        File.WriteAllText(Path.Combine(fx.RunDir, "report.html"), "earlier report");
        File.Delete(Path.Combine(fx.RunDir, ExperimentCatalog.Fig1, "meta.json"));
        var before = Directory.GetFiles(fx.RunDir, "*", SearchOption.AllDirectories).Order().ToList();
        var r = ReportProcess.Run("--run", fx.RunDir, "--no-pdf");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("meta.json", r.Stderr);
        Assert.Contains("nothing was written or deleted", r.Stderr);
        Assert.Equal(before, Directory.GetFiles(fx.RunDir, "*", SearchOption.AllDirectories).Order().ToList());
        Assert.Equal("earlier report", File.ReadAllText(Path.Combine(fx.RunDir, "report.html")));
    }

    [Fact]
    public void Run_and_compare_together_is_a_usage_error()
    {
        var r = ReportProcess.Run("--run", "a", "--compare", "b", "c");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("exclude each other", r.Stderr);
    }

    [Fact]
    public void No_run_given_is_a_usage_error()
    {
        var r = ReportProcess.Run();
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--run", r.Stderr);
    }

    [Fact]
    public void Compare_needs_two_folders()
    {
        var r = ReportProcess.Run("--compare", "only-one");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--compare needs two run folders (--compare RUN_A RUN_B), got one: 'only-one'", r.Stderr);
    }

    [Fact]
    public void Compare_writes_beside_run_a_also_when_its_path_ends_in_a_slash()
    {
        // "--compare A/ B/" (as tab completion writes them) took A itself for the parent of A: the comparison went into
        // A/compare-A-vs-B/, a folder that is no experiment's, so that "report --run A" refused A from then on (exit 1).
        using var a = new FixtureRun("run-a").WithFig1();
        using var b = new FixtureRun("run-b").WithFig1();
        var r = ReportProcess.Run("--compare", a.RunDir + "/", b.RunDir + "/", "--no-pdf");
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}:\n{r.Stderr}");
        Assert.True(File.Exists(Path.Combine(a.Root, "compare-run-a-vs-run-b", "report.html")), r.Stdout);
        Assert.False(Directory.Exists(Path.Combine(a.RunDir, "compare-run-a-vs-run-b")));
        Assert.Equal(0, ReportProcess.Run("--run", a.RunDir, "--no-pdf").ExitCode);
    }

    [Theory]
    [InlineData("--run")]
    [InlineData("--compare")]
    public void Out_in_a_subfolder_of_a_run_is_refused_as_it_would_make_the_run_unreadable(string mode)
    {
        // "report --run RUN --out RUN/html" wrote RUN/html/report.html; from then on every report of RUN, the same
        // command included, exited 1: "RUN/html: neither results.csv nor meta.json (and no log.txt): not an experiment folder".
        using var a = new FixtureRun("run-a").WithFig1();
        using var b = new FixtureRun("run-b").WithFig1();
        string inside = Path.Combine(a.RunDir, "html");
        var r = mode == "--run"
            ? ReportProcess.Run("--run", a.RunDir, "--out", inside, "--no-pdf")
            : ReportProcess.Run("--compare", b.RunDir, a.RunDir, "--out", inside, "--no-pdf");
        Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}, expected 2:\n{r.Stdout}{r.Stderr}");
        Assert.Single(Lines(r.Stderr));
        Assert.Contains(inside, r.Stderr);
        Assert.False(Directory.Exists(inside));
        Assert.Equal(0, ReportProcess.Run("--run", a.RunDir, "--no-pdf").ExitCode);
        // A dot folder is no experiment's (the report skips it): allowed.
        Assert.Equal(0, ReportProcess.Run("--run", a.RunDir, "--out", Path.Combine(a.RunDir, ".html"), "--no-pdf").ExitCode);
        Assert.Equal(0, ReportProcess.Run("--run", a.RunDir, "--no-pdf").ExitCode);
    }

    [Fact]
    public void Html_only_report_is_written_into_the_run_folder_without_temporary_files()
    {
        using var fx = new FixtureRun().WithFig1();
        var r = ReportProcess.Run("--run", fx.RunDir, "--no-pdf");
        Assert.Equal(0, r.ExitCode);
        string html = Path.Combine(fx.RunDir, "report.html");
        Assert.Contains(html, r.Stdout);
        Assert.Contains("Fig 1 (paper Fig 3)", File.ReadAllText(html));
        Assert.Empty(Directory.GetFiles(fx.RunDir, ".*"));
    }

    [Fact]
    public void Missing_chromium_still_writes_html_and_exits_3_saying_how_to_install_it()
    {
        using var fx = new FixtureRun().WithFig1();
        var r = ReportProcess.Run(new Dictionary<string, string> { ["REPRO_CHROMIUM"] = Path.Combine(fx.Root, "no-chromium") }, "--run", fx.RunDir);
        Assert.Equal(3, r.ExitCode);
        Assert.Contains("install-deps.sh", r.Stderr);
        Assert.True(File.Exists(Path.Combine(fx.RunDir, "report.html")));
        Assert.False(File.Exists(Path.Combine(fx.RunDir, "report.pdf")));
    }

    [Fact]
    public void A_missing_chromium_named_by_the_variable_is_named_in_the_message_not_reported_as_none_on_path()
    {
        // With $REPRO_CHROMIUM naming no file the report does not look on PATH, but said it had: "no Chromium found
        // (looked for $REPRO_CHROMIUM, then chromium, chromium-browser, google-chrome on PATH)", with chromium on PATH.
        using var fx = new FixtureRun().WithFig1();
        string missing = Path.Combine(fx.Root, "no-chromium");
        var r = ReportProcess.Run(new Dictionary<string, string> { ["REPRO_CHROMIUM"] = missing }, "--run", fx.RunDir);
        Assert.Equal(3, r.ExitCode);
        Assert.Contains($"$REPRO_CHROMIUM names {missing}", r.Stderr);
        Assert.DoesNotContain("then chromium", r.Stderr);
    }

    [Fact]
    public void Chromium_that_cannot_be_started_still_writes_html_and_exits_3_naming_it()
    {
        // REPRO_CHROMIUM naming a file that is not executable: starting it threw a Win32Exception, which no handler
        // took for a PDF failure, so the report crashed (exit 1, "bad input") and its report.html, printed to a
        // temporary file first, was deleted with it.
        using var fx = new FixtureRun().WithFig1();
        string notExecutable = fx.WriteFile("chromium", "not a program\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(notExecutable, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var r = ReportProcess.Run(new Dictionary<string, string> { ["REPRO_CHROMIUM"] = notExecutable }, "--run", fx.RunDir);
        Assert.True(r.ExitCode == 3, $"exit {r.ExitCode}, expected 3:\n{r.Stderr}");
        Assert.Contains(notExecutable, r.Stderr);
        Assert.True(File.Exists(Path.Combine(fx.RunDir, "report.html")));
        Assert.False(File.Exists(Path.Combine(fx.RunDir, "report.pdf")));
        Assert.Empty(Directory.GetFiles(fx.RunDir, ".*"));
    }

    /// <summary>
    /// SIGTERM while Chromium prints (as run-all sends on Ctrl-C, or a user's kill): the report ended at once and left
    /// Chromium running and its temporary HTML (megabytes of inlined plotly.js) in the run folder. Now it kills
    /// Chromium, removes its temporary files, puts nothing in place and exits 143 saying so. A stand-in Chromium
    /// writes its pid and sleeps.
    /// </summary>
    [Fact]
    public async Task A_signal_while_Chromium_prints_stops_Chromium_and_leaves_no_temporary_files()
    {
        if (OperatingSystem.IsWindows()) Assert.Skip("POSIX signals");
        var ct = TestContext.Current.CancellationToken;
        using var fx = new FixtureRun().WithFig1();
        string pidFile = Path.Combine(fx.Root, "chromium.pid");
        string fake = fx.WriteFile("chromium", $"#!/bin/sh\necho $$ > '{pidFile}.tmp' && mv '{pidFile}.tmp' '{pidFile}'\nexec sleep 300\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "report.dll"), "--run", fx.RunDir }) psi.ArgumentList.Add(a);
        psi.Environment["REPRO_CHROMIUM"] = fake;
        using var report = System.Diagnostics.Process.Start(psi)!;
        var stderr = report.StandardError.ReadToEndAsync(ct);
        var stdout = report.StandardOutput.ReadToEndAsync(ct);
        int chromium = 0;
        try
        {
            // Bounds on a hang, not timings: the stand-in starts within seconds and sleeps 300 s.
            for (int i = 0; i < 1200 && chromium == 0 && !report.HasExited; i++)
            {
                if (File.Exists(pidFile)) int.TryParse(File.ReadAllText(pidFile).Trim(), out chromium);
                if (chromium == 0) await Task.Delay(50, ct);
            }
            Assert.True(chromium > 0, "the stand-in Chromium did not start within 60 s");
            using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", report.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                await kill.WaitForExitAsync(ct);
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
            bound.CancelAfter(TimeSpan.FromSeconds(60));
            await report.WaitForExitAsync(bound.Token);

            Assert.False(Alive(chromium), $"Chromium (pid {chromium}) still runs after the report was stopped");
            Assert.Empty(Directory.GetFiles(fx.RunDir, ".*"));
            Assert.False(File.Exists(Path.Combine(fx.RunDir, "report.html")));
            Assert.Equal(143, report.ExitCode);
            Assert.Contains("stopped by SIGTERM while writing the report", await stderr);
            await stdout;
        }
        finally
        {
            if (!report.HasExited) report.Kill(entireProcessTree: true);
            if (chromium > 0 && Alive(chromium)) try { System.Diagnostics.Process.GetProcessById(chromium).Kill(); } catch (ArgumentException) { } catch (InvalidOperationException) { }
        }
    }

    /// <summary>
    /// A signal while report.html is written (--no-pdf: no Chromium to stop): the handler keeps the process alive to clean
    /// up, but the HTML-only path never looked at the signal again, so the new report.html was put in place and the report
    /// exited 0 as if no one had asked it to stop. Now the signal is acted on as on the PDF path: nothing put in place,
    /// no temporary file left, OperationCanceledException (the program exits 128 + the signal's number). The signal is
    /// the token's cancellation, made while the HTML is being written.
    /// </summary>
    [Fact]
    public void A_signal_while_the_html_is_written_puts_nothing_in_place_and_leaves_no_temporary_files()
    {
        using var fx = new FixtureRun();
        string outDir = Path.Combine(fx.Root, "out"), html = Path.Combine(outDir, ReportOutput.HtmlName);
        Directory.CreateDirectory(outDir);
        File.WriteAllText(html, "an earlier report");
        using var signal = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() => ReportOutput.Write(outDir, s =>
        {
            s.Write("<html><body>"u8);
            signal.Cancel();
            s.Write("</body></html>"u8);
        }, printer: null, signal.Token));
        Assert.Equal("an earlier report", File.ReadAllText(html));
        Assert.Equal([ReportOutput.HtmlName], Directory.GetFiles(outDir).Select(Path.GetFileName));
    }

    /// <summary>Whether process <paramref name="pid"/> runs (a zombie, ended but not yet reaped, does not).</summary>
    static bool Alive(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException) { return false; }
    }

    /// <summary>
    /// --no-pdf over a run folder that holds the report.pdf of an earlier report: the new report.html stood beside the
    /// old PDF and nothing said the two differ; now a warning names the PDF (which is left as it was).
    /// </summary>
    [Fact]
    public void An_earlier_report_pdf_left_beside_a_new_html_is_named_as_stale()
    {
        using var fx = new FixtureRun().WithFig1();
        string pdf = Path.Combine(fx.RunDir, "report.pdf");
        File.WriteAllText(pdf, "%PDF-1.4 an earlier report");
        var r = ReportProcess.Run("--run", fx.RunDir, "--no-pdf");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains($"{pdf} is from an earlier report and was left as it was: it does not show this report.html", r.Stderr);
        Assert.Equal("%PDF-1.4 an earlier report", File.ReadAllText(pdf));
        File.Delete(pdf);
        Assert.DoesNotContain("earlier report", ReportProcess.Run("--run", fx.RunDir, "--no-pdf").Stderr);
    }

    [Fact]
    public void Missing_paper_values_file_is_an_input_error()
    {
        using var fx = new FixtureRun().WithFig1();
        string missing = Path.Combine(fx.Root, "paper.csv");
        var r = ReportProcess.Run("--run", fx.RunDir, "--no-pdf", "--paper-values", missing);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(missing, r.Stderr);
    }

    static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void Out_naming_a_file_is_a_one_line_error_naming_it_with_exit_2()
    {
        using var fx = new FixtureRun().WithFig1();
        string file = fx.WriteFile("not-a-folder.txt", "x");
        var r = ReportProcess.Run("--run", fx.RunDir, "--out", file, "--no-pdf");
        Assert.Equal(2, r.ExitCode);
        Assert.Single(Lines(r.Stderr));
        Assert.Contains(file, r.Stderr);
        Assert.Contains("is a file", r.Stderr);
        Assert.Equal("x", File.ReadAllText(file));
        Assert.False(File.Exists(Path.Combine(fx.RunDir, "report.html")));
    }

    [Fact]
    public void Out_below_a_file_is_a_one_line_error_with_exit_2()
    {
        using var fx = new FixtureRun().WithFig1();
        string file = fx.WriteFile("file", "x");
        var r = ReportProcess.Run("--run", fx.RunDir, "--out", Path.Combine(file, "sub"), "--no-pdf");
        Assert.Equal(2, r.ExitCode);
        Assert.Single(Lines(r.Stderr));
        Assert.Contains(file, r.Stderr);
    }

    [Theory]
    [InlineData("--out", "")]
    [InlineData("--out=", null)]
    [InlineData("--out", "   ")]
    public void Empty_out_is_a_one_line_error_with_exit_2(string option, string? value)
    {
        using var fx = new FixtureRun().WithFig1();
        var args = new List<string> { "--run", fx.RunDir, "--no-pdf", option };
        if (value is not null) args.Add(value);
        var r = ReportProcess.Run(args.ToArray());
        Assert.Equal(2, r.ExitCode);
        Assert.Single(Lines(r.Stderr));
        Assert.Contains("--out", r.Stderr);
        Assert.Contains("empty", r.Stderr);
        Assert.False(File.Exists(Path.Combine(fx.RunDir, "report.html")));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Unwritable_run_folder_is_a_one_line_error_naming_it_with_exit_2()
    {
        using var fx = new FixtureRun().WithFig1();
        using var locked = ReadOnlyFolder.Lock(fx.RunDir);
        Assert.SkipUnless(locked.Locked, locked.Why);
        var r = ReportProcess.Run("--run", fx.RunDir, "--no-pdf");
        Assert.Equal(2, r.ExitCode);
        Assert.Single(Lines(r.Stderr));
        Assert.Contains(fx.RunDir, r.Stderr);
        Assert.Contains("cannot write", r.Stderr);
        Assert.False(File.Exists(Path.Combine(fx.RunDir, "report.html")));
    }

    [Fact]
    public void History_alone_needs_out_and_a_missing_history_file_is_an_input_error()
    {
        var usage = ReportProcess.Run("--history", "whatever.csv");
        Assert.Equal(2, usage.ExitCode);
        Assert.Contains("--out", usage.Stderr);
        using var fx = new FixtureRun();
        string missing = Path.Combine(fx.Root, "nope.csv");
        var r = ReportProcess.Run("--history", missing, "--out", Path.Combine(fx.Root, "out"), "--no-pdf");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(missing, r.Stderr);
    }

    [Fact]
    public void Paper_values_with_history_alone_is_refused_not_ignored()
    {
        // The history-only report has no figures: --paper-values was loaded, checked and then not used (exit 0).
        using var fx = new FixtureRun();
        string csv = Path.Combine(fx.Root, "history.csv");
        File.WriteAllText(csv, "Commit,Date,Host,Benchmark,MedianNs\nabc1234,2026-12-01T00:00:00Z,h,RoundTrip,100\n");
        string paper = Path.Combine(fx.Root, "paper-values.csv");
        File.WriteAllText(paper, Report.Paper.PaperValues.BuiltInText());
        string outDir = Path.Combine(fx.Root, "out");
        var r = ReportProcess.Run("--history", csv, "--out", outDir, "--paper-values", paper, "--no-pdf");
        Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}: {r.Stdout}{r.Stderr}");
        Assert.Contains("--paper-values", r.Stderr);
        Assert.Contains("--run", r.Stderr);
        Assert.False(File.Exists(Path.Combine(outDir, "report.html")));
    }

    /// <summary>The command line of each case: RUN stands for the fixture's run folder, HIST for a history CSV.</summary>
    public static TheoryData<string[], string> EmptyPathValues => new()
    {
        { ["--run", ""], "--run" },
        { ["--run", "   "], "--run" },
        { ["--compare", "", "RUN"], "--compare" },
        { ["--compare", "RUN", ""], "--compare" },
        { ["--run", "RUN", "--paper-values", ""], "--paper-values" },
        { ["--run", "RUN", "--history", ""], "--history" },
        { ["--history", "", "--out", "RUN"], "--history" },
    };

    [Theory]
    [MemberData(nameof(EmptyPathValues))]
    public void An_empty_path_value_is_a_one_line_error_naming_the_option_with_exit_2(string[] args, string option)
    {
        // An empty --run, --compare, --paper-values or --history reached Path.GetFullPath and ended in an unhandled
        // ArgumentException: a stack trace and exit 1, where --out "" was a one-line usage error.
        using var fx = new FixtureRun().WithFig1();
        var r = ReportProcess.Run([.. args.Select(a => a == "RUN" ? fx.RunDir : a), "--no-pdf"]);
        Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}, expected 2:\n{r.Stderr}");
        Assert.Single(Lines(r.Stderr));
        Assert.Contains(option, r.Stderr);
        Assert.Contains("empty", r.Stderr);
        Assert.DoesNotContain("Unhandled exception", r.Stderr);
        Assert.False(File.Exists(Path.Combine(fx.RunDir, "report.html")));
    }

    [Theory]
    [InlineData("--out")]
    [InlineData("--paper-values")]
    [InlineData("--history")]
    public void A_path_option_whose_value_was_left_out_does_not_take_the_next_option_as_its_path(string option)
    {
        // "report --run RUN --out --no-pdf" wrote the report, PDF included, into a new folder named "--no-pdf"; with
        // --paper-values or --history the next option became a file name that "does not exist" (exit 1).
        using var fx = new FixtureRun().WithFig1();
        var r = ReportProcess.RunIn(fx.Root, null, "--run", fx.RunDir, option, "--no-pdf");
        Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}, expected 2:\n{r.Stdout}{r.Stderr}");
        Assert.Single(Lines(r.Stderr));
        Assert.Contains($"{option}: '--no-pdf' looks like an option", r.Stderr);
        Assert.False(Directory.Exists(Path.Combine(fx.Root, "--no-pdf")));
        Assert.False(File.Exists(Path.Combine(fx.RunDir, "report.html")));
    }

    [Fact]
    public void A_run_option_whose_value_was_left_out_does_not_take_the_next_option_as_its_folder()
    {
        using var fx = new FixtureRun().WithFig1();
        var r = ReportProcess.RunIn(fx.Root, null, "--run", "--no-pdf");
        Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}, expected 2:\n{r.Stderr}");
        Assert.Single(Lines(r.Stderr));
        Assert.Contains("--run: '--no-pdf' looks like an option", r.Stderr);
    }
}
