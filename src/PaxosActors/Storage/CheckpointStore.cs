using System.Globalization;
using PaxosActors.Core;

namespace PaxosActors.Storage;

/// <summary>
/// A node's checkpoints as files, one folder per group: <c>&lt;dir&gt;/&lt;group&gt;/&lt;instance&gt;.checkpoint</c>.
/// A checkpoint is published atomically: written to a temporary file, synced, renamed into
/// place, and the folder synced, so after a crash it is there whole or not at all. The newest
/// <c>keep</c> stay (the learner prunes by <see cref="CheckpointSchedule.Retain"/>); an older one is
/// what a start falls back to if the newest is damaged.
/// </summary>
internal sealed class CheckpointStore(string root, int keep)
{
    private const string Suffix = ".checkpoint";
    private const string TempSuffix = ".checkpoint.tmp";
    private const string FetchSuffix = ".fetch" + TempSuffix;

    public string Root { get; } = Path.GetFullPath(root);

    /// <summary>How many of the newest checkpoints a group keeps (see <see cref="CheckpointSchedule.Retain"/>).</summary>
    public int Keep { get; } = keep;

    /// <summary>Writes and publishes one checkpoint; its path and size. Its owner decides which older ones go (<see cref="Keep"/>).</summary>
    public (string Path, long Bytes) Write(CheckpointHeader header, byte[] filter, IReadOnlyList<(int Id, ICheckpointSnapshot Snapshot)> machines)
    {
        var folder = Folder(header.Group);
        Directory.CreateDirectory(folder);
        var name = header.Instance.ToString("D19", CultureInfo.InvariantCulture);
        var temp = Path.Combine(folder, name + TempSuffix);
        var final = Path.Combine(folder, name + Suffix);
        long bytes;
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            var writer = new CheckpointWriter(file, header);
            using (var section = writer.Section(CheckpointFormat.FilterSection))
            {
                section.Write(filter);
            }

            foreach (var (id, snapshot) in machines)
            {
                using var section = writer.Section(id);
                snapshot.WriteTo(section);
            }

            writer.Finish();
            file.Flush(flushToDisk: true);
            bytes = file.Length;
        }

        File.Move(temp, final, overwrite: true);
        DirectorySync.Flush(folder);
        return (final, bytes);
    }

    /// <summary>
    /// Where a checkpoint fetched from a peer is written until it is whole: a temp file named by
    /// the offer (instance, file checksum, length), so a crash leaves nothing that counts, and a
    /// restarted node can go on with it when the same file is offered again.
    /// </summary>
    public string FetchPath(string group, CheckpointOffer offer)
    {
        var folder = Folder(group);
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"{offer.Instance:D19}.{offer.FileChecksum:x16}.{offer.Length}{FetchSuffix}"));
    }

    /// <summary>
    /// The newest fetch an earlier life left unfinished, with the bytes it holds; every other
    /// one is deleted. Null if there is none.
    /// </summary>
    public (PartialFetch Partial, string Path)? TakePartialFetch(string group)
    {
        var folder = Folder(group);
        if (!Directory.Exists(folder))
        {
            return null;
        }

        var found = new List<(PartialFetch Partial, string Path)>();
        foreach (var path in Directory.GetFiles(folder, "*" + FetchSuffix))
        {
            var parts = Path.GetFileName(path)[..^FetchSuffix.Length].Split('.');
            if (parts.Length == 3
                && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var instance)
                && ulong.TryParse(parts[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var checksum)
                && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            {
                found.Add((new PartialFetch(instance, length, checksum, new FileInfo(path).Length), path));
            }
            else
            {
                File.Delete(path);
            }
        }

        var newest = found.OrderByDescending(f => f.Partial.Instance).FirstOrDefault();
        foreach (var (_, path) in found.Where(f => f.Path != newest.Path))
        {
            File.Delete(path);
        }

        return newest.Path is null ? null : newest;
    }

    /// <summary>Publishes a whole, verified fetched file as the checkpoint of <paramref name="instance"/>; its final path.</summary>
    public string Publish(string group, string fetched, long instance)
    {
        using (var file = new FileStream(fetched, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            file.Flush(flushToDisk: true);
        }

        var folder = Folder(group);
        var final = Path.Combine(folder, instance.ToString("D19", CultureInfo.InvariantCulture) + Suffix);
        File.Move(fetched, final, overwrite: true);
        DirectorySync.Flush(folder);
        return final;
    }

    /// <summary>A file's length and the XxHash64 of its bytes (what a transfer offers and checks).</summary>
    public static (long Length, ulong Hash) Fingerprint(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var hash = new System.IO.Hashing.XxHash64();
        hash.Append(file);
        return (file.Length, hash.GetCurrentHashAsUInt64());
    }

    /// <summary>Up to <paramref name="count"/> bytes of a file from <paramref name="offset"/>.</summary>
    public static byte[] ReadChunk(string path, long offset, int count)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var length = RandomAccess.GetLength(handle);
        if (offset >= length)
        {
            return [];
        }

        var data = new byte[(int)Math.Min(count, length - offset)];
        var read = 0;
        while (read < data.Length)
        {
            var n = RandomAccess.Read(handle, data.AsSpan(read), offset + read);
            if (n == 0)
            {
                return [];
            }

            read += n;
        }

        return data;
    }

    /// <summary>The group's published checkpoints, newest first.</summary>
    public IReadOnlyList<(long Instance, string Path)> List(string group)
    {
        var folder = Folder(group);
        if (!Directory.Exists(folder))
        {
            return [];
        }

        return Directory.EnumerateFiles(folder, "*" + Suffix)
            .Select(path => (Ok: long.TryParse(Path.GetFileName(path)[..^Suffix.Length], NumberStyles.None, CultureInfo.InvariantCulture, out var i), Instance: i, Path: path))
            .Where(f => f.Ok)
            .OrderByDescending(f => f.Instance)
            .Select(f => (f.Instance, f.Path))
            .ToList();
    }

    /// <summary>Deletes the checkpoints a crash left half written (a fetch's file stays: <see cref="TakePartialFetch"/>); their number.</summary>
    public int RemoveUnfinished(string group)
    {
        var folder = Folder(group);
        if (!Directory.Exists(folder))
        {
            return 0;
        }

        var stale = Directory.GetFiles(folder, "*" + TempSuffix).Where(f => !f.EndsWith(FetchSuffix, StringComparison.Ordinal)).ToArray();
        foreach (var f in stale)
        {
            File.Delete(f);
        }

        return stale.Length;
    }

    /// <summary>Reads a checkpoint file whole: its header and sections if it is intact (else <see cref="CorruptCheckpointException"/>).</summary>
    public static (CheckpointHeader Header, IReadOnlyList<int> Sections) Verify(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return CheckpointReader.Inspect(file);
    }

    public static CheckpointHeader Load(string path, Action<int, Stream> section)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return CheckpointReader.Load(file, section);
    }

    private string Folder(string group) => Path.Combine(Root, group);
}
