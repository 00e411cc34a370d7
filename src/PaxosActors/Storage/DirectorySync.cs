using System.Runtime.InteropServices;

namespace PaxosActors.Storage;

/// <summary>
/// fsync of a folder, so that a rename into it is durable (POSIX: a file's name lives in its
/// folder). On Windows, NTFS journals renames itself and there is nothing to do.
/// </summary>
internal static partial class DirectorySync
{
    public static void Flush(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var fd = Open(folder, 0);
        if (fd < 0)
        {
            throw new IOException($"Cannot open folder {folder} to sync it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"Cannot sync folder {folder} (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
