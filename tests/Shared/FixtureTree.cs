namespace TestSupport;

/// <summary>
/// A folder under the temporary directory holding files laid out as on another machine (a sysfs tree for the
/// topology parser and tool): written file by file, removed with everything in it on <see cref="Dispose"/>.
/// </summary>
public sealed class FixtureTree : IDisposable
{
    /// <summary>The tree's root: a new folder named <c>prefix</c> and a GUID (created by the first write).</summary>
    public string Root { get; }

    public FixtureTree(string prefix) => Root = Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N"));

    /// <summary>Writes <paramref name="text"/> and a newline, as sysfs files end, to <paramref name="relative"/> under the root, making its folders.</summary>
    public void Write(string relative, string text)
    {
        string path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text + "\n");
    }

    public void Dispose()
    {
        if (Directory.Exists(Root)) Directory.Delete(Root, true);
    }
}
