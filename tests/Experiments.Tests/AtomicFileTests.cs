using Experiments.Schema;

namespace Experiments.Tests;

public class AtomicFileTests
{
    /// <summary>
    /// Two threads rewrite one file at once, each always with a whole text of its own; a reader polling the file meanwhile
    /// sees only whole texts, no write fails, and no temporary file is left. With one temporary file per process the
    /// writers opened the same temporary file (the second failed on its lock, or wrote into the first's).
    /// </summary>
    [Fact]
    public async Task ConcurrentWritesOfOneFileEachLandWhole()
    {
        string dir = Path.Combine(TestCores.TempDir(), "atomic");
        string path = Path.Combine(dir, "f.csv");
        string[] texts = [new string('a', 64 * 1024), new string('b', 32 * 1024)];
        AtomicFile.WriteAllText(path, texts[0]);
        var seen = new List<string>();
        bool stop = false;
        var reader = Task.Run(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                string t = File.ReadAllText(path);
                if (t != texts[0] && t != texts[1]) lock (seen) seen.Add($"{t.Length} chars starting '{t[..Math.Min(1, t.Length)]}'");
            }
        }, TestContext.Current.CancellationToken);
        var writers = texts.Select(text => Task.Run(() => { for (int i = 0; i < 200; i++) AtomicFile.WriteAllText(path, text); }, TestContext.Current.CancellationToken));
        try { await Task.WhenAll(writers); }
        finally
        {
            Volatile.Write(ref stop, true);
            await reader;
        }
        Assert.Empty(seen);
        Assert.Contains(File.ReadAllText(path), texts);
        Assert.Empty(Directory.GetFiles(dir, "*.tmp", SearchOption.AllDirectories).Concat(Directory.GetFiles(dir, ".*")));
    }

    /// <summary>
    /// The new content replaces the file as a whole, by a rename: a reader that opened the old file before the write
    /// still reads the whole old content afterwards (a write into the file itself would have truncated it under the
    /// reader), and a later open reads the new one. Deterministic, unlike the race above.
    /// </summary>
    [Fact]
    public void AReaderOfTheOldFileKeepsItsWholeContentWhileTheNewOneReplacesIt()
    {
        string dir = Path.Combine(TestCores.TempDir(), "atomic-replace");
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "results.csv");
        string old = string.Concat(Enumerable.Repeat("old row\n", 1000));
        File.WriteAllText(path, old);
        using (var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete)))
        {
            AtomicFile.WriteAllText(path, "new\n");
            Assert.Equal(old, reader.ReadToEnd());
        }
        Assert.Equal("new\n", File.ReadAllText(path));
        Assert.Empty(Directory.GetFiles(dir, ".*"));
    }
}
