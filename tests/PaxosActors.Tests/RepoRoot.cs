namespace PaxosActors.Tests;

/// <summary>The repository's root (the folder holding PaxosActors.sln), for tests that read its own files.</summary>
internal static class RepoRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(System.IO.Path.Combine(dir, "PaxosActors.sln")))
        {
            dir = System.IO.Path.GetDirectoryName(dir) ?? throw new DirectoryNotFoundException("PaxosActors.sln not found above " + AppContext.BaseDirectory);
        }

        return dir;
    }
}
