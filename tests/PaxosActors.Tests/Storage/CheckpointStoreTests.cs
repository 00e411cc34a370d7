using PaxosActors.Core;
using PaxosActors.Kv;
using PaxosActors.Storage;

namespace PaxosActors.Tests.Storage;

/// <summary>Checkpoint files: published whole, listed newest first, pruned to the newest few; and the KV store's checkpoint.</summary>
public sealed class CheckpointStoreTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "paxos-ckpt-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public void Checkpoints_are_published_whole_and_listed_newest_first()
    {
        var store = new CheckpointStore(_root, keep: 2);
        var kv = new KvStateMachine();
        foreach (var instance in new long[] { 10, 30, 20 })
        {
            kv.Execute(instance - 1, new KvPut("k", instance.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            var (path, bytes) = store.Write(new CheckpointHeader("g", instance, (ulong)instance), new DuplicateFilter().ToBytes(), [(1, kv.Capture())]);
            Assert.Equal(new FileInfo(path).Length, bytes);
        }

        // 20 was written last but 30 is newer. Pruning is the learner's (CheckpointSchedule.Retain).
        Assert.Equal([30L, 20L, 10L], store.List("g").Select(c => c.Instance));
        Assert.Equal(2, store.Keep);
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, "g"), "*.tmp"));
        var (header, sections) = CheckpointStore.Verify(store.List("g")[0].Path);
        Assert.Equal(new CheckpointHeader("g", 30, 30), header);
        Assert.Equal([CheckpointFormat.FilterSection, 1], sections);
        Assert.Empty(store.List("other"));
    }

    [Fact]
    public void An_unfinished_fetch_is_kept_for_its_offer_and_only_the_newest_one()
    {
        var store = new CheckpointStore(_root, keep: 2);
        var offer = new CheckpointOffer(40, new NodeId(2), 1000, 0xabcdef);
        var path = store.FetchPath("g", offer);
        File.WriteAllBytes(path, new byte[300]);
        File.WriteAllBytes(store.FetchPath("g", offer with { Instance = 30 }), [1]);
        File.WriteAllBytes(Path.Combine(_root, "g", "garbage.fetch.checkpoint.tmp"), [1]);
        File.WriteAllBytes(Path.Combine(_root, "g", "0000000000000000050.checkpoint.tmp"), [1]);

        Assert.Equal(1, store.RemoveUnfinished("g"));
        var (partial, left) = store.TakePartialFetch("g")!.Value;
        Assert.Equal((new PartialFetch(40, 1000, 0xabcdef, 300), path), (partial, left));
        Assert.Equal([path], Directory.GetFiles(Path.Combine(_root, "g")));
        Assert.Null(store.TakePartialFetch("other"));
    }

    [Fact]
    public void Unfinished_and_foreign_files_are_not_checkpoints()
    {
        var store = new CheckpointStore(_root, keep: 2);
        var folder = Path.Combine(_root, "g");
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "0000000000000000040.checkpoint.tmp"), [1]);
        File.WriteAllBytes(Path.Combine(folder, "notes.checkpoint"), [1]);
        File.WriteAllBytes(Path.Combine(folder, "-5.checkpoint"), [1]);
        Assert.Empty(store.List("g"));
        Assert.Equal(1, store.RemoveUnfinished("g"));
        Assert.Equal(0, store.RemoveUnfinished("g"));
        Assert.Equal(0, store.RemoveUnfinished("none"));
    }

    [Fact]
    public void The_kv_store_restores_exactly_what_it_captured_while_it_goes_on_changing()
    {
        var kv = new KvStateMachine();
        for (var i = 0; i < 1000; i++)
        {
            kv.Execute(i, new KvPut($"k{i % 300}", $"v{i}"));
        }

        kv.Execute(1000, new KvDelete("k7"));
        var frozen = kv.Capture();
        var expected = kv.Snapshot().ToDictionary();

        // Commands that run after the capture are not in the checkpoint.
        kv.Execute(1001, new KvPut("late", "x"));
        kv.Execute(1002, new KvAppend("k8", "!"));
        var bytes = new MemoryStream();
        frozen.WriteTo(bytes);

        var restored = new KvStateMachine();
        restored.Restore(new MemoryStream(bytes.ToArray()), 1001);
        Assert.Equal(expected, restored.Snapshot().ToDictionary());
        Assert.Equal(1001, restored.Applied);
        Assert.False(restored.Snapshot().ContainsKey("k7"));

        // Equal states write equal bytes, whatever order they were built in.
        var again = new MemoryStream();
        restored.Capture().WriteTo(again);
        Assert.Equal(bytes.ToArray(), again.ToArray());
        Assert.Throws<InvalidDataException>(() => new KvStateMachine().Restore(new MemoryStream([9]), 0));
    }
}
