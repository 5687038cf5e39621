namespace Report.Paper;

/// <summary>The repository folder (the one holding Repro.sln) above the running program, if it runs from a checkout.</summary>
public static class RepositoryRoot
{
    public const string Marker = "Repro.sln";

    public static string? Find() => FindFrom(AppContext.BaseDirectory);

    public static string? FindFrom(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, Marker))) return dir.FullName;
        return null;
    }
}
