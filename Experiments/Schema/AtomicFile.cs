namespace Experiments.Schema;

/// <summary>
/// Writes a file so that a reader sees either the old content or the whole new content, never a part:
/// the data goes to a temporary file in the same folder, is flushed, then renamed over the target. Each write has a
/// temporary file of its own (process id and a per-process sequence number in its name), so two writes of one file at
/// once, from two threads or two processes, never write into the same temporary file: the last rename wins whole.
/// </summary>
public static class AtomicFile
{
    static long s_writes;

    public static void Write(string path, Action<Stream> write)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        string tmp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Interlocked.Increment(ref s_writes)}.tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, s => { var b = System.Text.Encoding.UTF8.GetBytes(text); s.Write(b); });
}
