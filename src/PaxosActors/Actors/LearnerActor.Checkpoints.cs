using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using PaxosActors.Core;
using PaxosActors.Storage;

namespace PaxosActors.Actors;

/// <summary>
/// The learner's checkpoints: loading one at start-up, taking them, offering and serving them to
/// peers, and fetching and installing a peer's.
/// </summary>
internal sealed partial class LearnerActor
{
    /// <summary>
    /// Loads the newest intact checkpoint that fits the recovered log into the state machines
    /// and the duplicate filter; the instance to replay from (0: none loaded).
    /// </summary>
    private long LoadCheckpoint()
    {
        if (_checkpoints is null)
        {
            return 0;
        }

        var stale = _checkpoints.RemoveUnfinished(_group);
        if (stale > 0)
        {
            _log.Warning("Group {0}: removed {1} checkpoint(s) a crash left half written", _group, stale);
        }

        foreach (var (instance, path) in _checkpoints.List(_group))
        {
            string? why;
            CheckpointHeader header;
            try
            {
                (header, var sections) = CheckpointStore.Verify(path);
                why = (header.Instance == instance ? null : $"its name says instance {instance} and its header {header.Instance}")
                    ?? CheckpointSchedule.Misfit(header, _group, _learner.LogStart, _learner.NextInstance, _learner.ChecksumAt)
                    ?? (SectionsFit(sections) ? null : $"its sections [{string.Join(", ", sections)}] are not this group's state machines and filter");
            }
            catch (Exception e) when (e is CorruptCheckpointException or IOException or UnauthorizedAccessException)
            {
                _breakpoints.Count("checkpoint.corrupt");
                _log.Error("Group {0}: checkpoint {1} is damaged ({2}); trying the one before it", _group, path, e.Message);
                continue;
            }

            if (why is not null)
            {
                _breakpoints.Count("checkpoint.misfit");
                _log.Warning("Group {0}: checkpoint {1} does not fit this node's log: {2}; trying the one before it", _group, path, why);
                continue;
            }

            // Verified whole a moment ago: a failure from here on is of the state machine's own
            // reading, and leaves it half loaded, so it stops the start.
            LoadInto(path, header.Instance);
            _schedule.Finished(header.Instance);
            _breakpoints.Count("checkpoint.loaded");
            _log.Info("Group {0}: loaded checkpoint {1} (instance {2})", _group, path, header.Instance);
            return header.Instance;
        }

        return 0;
    }

    /// <summary>Loads a verified checkpoint file into the duplicate filter and the state machines.</summary>
    private void LoadInto(string path, long instance)
    {
        // A checkpoint from before membership changes has no membership section: its group
        // still had the configured members.
        _system = _initialSystem;
        _master = MasterState.Initial;
        CheckpointStore.Load(path, (id, stream) =>
        {
            if (id is CheckpointFormat.FilterSection or CheckpointFormat.SystemSection)
            {
                var bytes = new MemoryStream();
                stream.CopyTo(bytes);
                if (id == CheckpointFormat.FilterSection)
                {
                    _ran = DuplicateFilter.Read(bytes.ToArray());
                }
                else
                {
                    (_system, _master) = SystemSnapshot.Decode(bytes.ToArray());
                }
            }
            else
            {
                ((ICheckpointable)_machines[id]).Restore(stream, instance);
            }
        });

        MasterStateLoaded(instance);
    }

    /// <summary>Why a verified checkpoint cannot be this group's state, or null.</summary>
    private string? Unfit(CheckpointHeader header, IReadOnlyList<int> sections) =>
        header.Group != _group ? $"it is of group '{header.Group}'"
        : SectionsFit(sections) ? null
        : $"its sections [{string.Join(", ", sections)}] are not this group's state machines and filter";

    /// <summary>Tells the acceptor the oldest checkpoint kept: the journal may be cut behind it.</summary>
    /// <summary>
    /// Deletes the checkpoints <see cref="CheckpointSchedule.Retain"/> lets go (the newest ones
    /// and the newest one the durable journal reaches stay), and tells the acceptor behind which
    /// one it may cut its journal.
    /// </summary>
    private void RetainCheckpoints()
    {
        if (_checkpoints is null)
        {
            return;
        }

        var stored = _checkpoints.List(_group);
        var retention = CheckpointSchedule.Retain(stored.Select(c => c.Instance), _checkpoints.Keep, _durable, _pins.Pinned(Environment.TickCount64));
        foreach (var (_, path) in stored.Where(c => retention.Delete.Contains(c.Instance)))
        {
            File.Delete(path);
            _fingerprints.Remove(path);
        }

        if (retention.TruncateBehind is { } behind)
        {
            _acceptor.Tell(new CheckpointsKept(behind));
        }
    }

    private (long Length, ulong Hash) Fingerprint(string path)
    {
        if (!_fingerprints.TryGetValue(path, out var f))
        {
            _fingerprints[path] = f = CheckpointStore.Fingerprint(path);
        }

        return f;
    }

    /// <summary>Offers the newest checkpoint to a node that needs instances the journal no longer holds.</summary>
    private void Offer(NodeId to)
    {
        var newest = _checkpoints?.List(_group).FirstOrDefault();
        if (newest?.Path is not { } path)
        {
            _breakpoints.Count("transfer.nothing_to_offer");
            return;
        }

        try
        {
            var (length, hash) = Fingerprint(path);
            _breakpoints.Count("transfer.offered");
            _router.Send(new Send(to, new CheckpointOffer(newest.Value.Instance, _router.Self, length, hash)));
        }
        catch (IOException e)
        {
            _log.Warning("Group {0}: could not offer checkpoint {1}: {2}", _group, path, e.Message);
        }
    }

    /// <summary>Serves a chunk of a kept checkpoint, or an empty one if that file is gone.</summary>
    private void ServeChunk(ChunkRequest r)
    {
        byte[] data = [];
        var file = _checkpoints?.List(_group).FirstOrDefault(c => c.Instance == r.Instance).Path;
        try
        {
            if (file is not null && Fingerprint(file).Hash == r.FileChecksum)
            {
                data = CheckpointStore.ReadChunk(file, r.Offset, r.Bytes);
                _pins.Served(r.Instance, Environment.TickCount64);
            }
        }
        catch (IOException)
        {
            // Pruned while read: the empty chunk tells the node to look elsewhere.
        }

        _breakpoints.Count("transfer.chunk_served");
        _router.Send(new Send(r.From, CheckpointFetch.Chunk(_router.Self, r, data)));
    }

    private void BeginFetch(CheckpointOffer o, long from)
    {
        _leftPartial = null;
        var path = _checkpoints!.FetchPath(_group, o);
        if (from > 0 && path == _partPath && File.Exists(path))
        {
            // What an earlier life of the node fetched of this same file: go on after it. The
            // whole file is checked before it counts, whatever the crash left in it.
            _part?.Dispose();
            _part = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            RandomAccess.SetLength(_part, from);
            _log.Info("Group {0}: this node lacks instance {1}, which its peers' journals no longer hold; going on with the fetch of node {2}'s checkpoint at instance {3} after the {4:N0} of {5:N0} bytes fetched before the restart", _group, _learner.NextInstance, o.From, o.Instance, from, o.Length);
        }
        else
        {
            // from > 0 with no file would be a bug upstream; the whole-file check still catches it.
            ClosePart(delete: true);
            _partPath = path;
            _part = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None);
            _log.Info("Group {0}: this node lacks instance {1}, which its peers' journals no longer hold; fetching node {2}'s checkpoint at instance {3} ({4:N0} bytes)", _group, _learner.NextInstance, o.From, o.Instance, o.Length);
        }

        _fetchStarted = Environment.TickCount64;
        _progressPublished = -1;
        PublishProgress();
    }

    /// <summary>Deletes the file of a fetch an earlier life left once the node has learned past it without it.</summary>
    private void DropPartialFetchIfPassed()
    {
        if (_leftPartial is { } instance && _fetch.Offer is null && _learner.NextInstance >= instance)
        {
            ClosePart(delete: true);
            _partPath = null;
            _leftPartial = null;
            _fetch.Partial(null);
        }
    }

    /// <summary>Hands a fetch an earlier life left unfinished to the fetch, if it is still of use.</summary>
    private void TakePartialFetch()
    {
        if (_checkpoints?.TakePartialFetch(_group) is not { } left)
        {
            return;
        }

        if (left.Partial.Instance <= _learner.NextInstance)
        {
            File.Delete(left.Path);
            return;
        }

        _partPath = left.Path;
        _leftPartial = left.Partial.Instance;
        _fetch.Partial(left.Partial);
        _log.Info("Group {0}: a fetch of the checkpoint at instance {1} was left with {2:N0} of {3:N0} bytes; it goes on if a peer offers the same file", _group, left.Partial.Instance, left.Partial.Have, left.Partial.Length);
    }

    /// <summary>Publishes the fetch's progress at its start and at each further MiB written.</summary>
    private void PublishProgress()
    {
        const long MiB = 1 << 20;
        if (_fetch.Offer is not { } o || _fetch.Written / MiB <= _progressPublished)
        {
            return;
        }

        _progressPublished = _fetch.Written / MiB;
        Publish(new CheckpointFetchProgress(_group, _router.Self.Value, _fetch.Source.Value, o.Instance, _fetch.Written, o.Length));
    }

    private void Publish(PaxosStorageEvent e) => Context.System.EventStream.Publish(e);

    private void ClosePart(bool delete)
    {
        _part?.Dispose();
        _part = null;
        if (delete && _partPath is not null && File.Exists(_partPath))
        {
            File.Delete(_partPath);
        }
    }

    /// <summary>
    /// The fetched file is whole: checked (length, hash, format, group, sections), published, and
    /// loaded in this one step, so no message sees a half-loaded state; then every role moves on.
    /// </summary>
    private void Install(CheckpointOffer o)
    {
        if (o.Instance <= _learner.NextInstance)
        {
            _log.Info("Group {0}: caught up past instance {1} while fetching its checkpoint; dropping it", _group, o.Instance);
            ClosePart(delete: true);
            _fetch.Finished();
            return;
        }

        ClosePart(delete: false);
        var path = _partPath!;
        CheckpointHeader header;
        string? why;
        try
        {
            var (length, hash) = CheckpointStore.Fingerprint(path);
            if (length != o.Length || hash != o.FileChecksum)
            {
                throw new CorruptCheckpointException($"{length:N0} bytes with hash {hash:x16}, offered as {o.Length:N0} with {o.FileChecksum:x16}");
            }

            (header, var sections) = CheckpointStore.Verify(path);
            why = header.Instance != o.Instance ? $"it covers instance {header.Instance}, offered as {o.Instance}" : Unfit(header, sections);
        }
        catch (Exception e) when (e is CorruptCheckpointException or IOException)
        {
            _log.Warning("Group {0}: the checkpoint fetched from node {1} is damaged ({2}); fetching it again", _group, o.From, e.Message);
            Run(_fetch.Broken(), replaying: false);
            return;
        }

        if (why is not null)
        {
            _breakpoints.Count("transfer.misfit");
            _log.Error("Group {0}: the checkpoint node {1} sent does not fit this group: {2}", _group, o.From, why);
            File.Delete(path);
            _fetch.Finished();
            return;
        }

        var published = _checkpoints!.Publish(_group, path, header.Instance);
        var membersBefore = _system;
        _fingerprints[published] = (o.Length, o.FileChecksum);
        try
        {
            LoadInto(published, header.Instance);
        }
        catch (Exception e)
        {
            _broken = $"loading the checkpoint fetched from node {o.From} failed half way ({e.GetType().Name}: {e.Message}); restart the node";
            _log.Error(e, "Group {0}: {1}", _group, _broken);
            Context.Parent.Tell(new HaltGroup(_broken));
            return;
        }

        _learner.Installed(header.Instance, header.Checksum);
        _executed = header.Instance;
        ServeReads();
        _schedule.Finished(header.Instance);
        _fetch.Finished();
        _breakpoints.Count("transfer.installed");
        var elapsed = TimeSpan.FromMilliseconds(Environment.TickCount64 - _fetchStarted);
        _log.Info("Group {0}: installed node {1}'s checkpoint at instance {2} ({3:N0} bytes in {4} ms); learning on from there", _group, o.From, header.Instance, o.Length, (long)elapsed.TotalMilliseconds);
        Publish(new CheckpointFetched(_group, _router.Self.Value, o.From.Value, header.Instance, o.Length, elapsed));
        if (_system.Version != membersBefore.Version)
        {
            _log.Info("Group {0}: the checkpoint brings membership {1}", _group, _system);
            Publish(new MembershipChanged(_group, _router.Self.Value, header.Instance - 1, GroupMembership.Of(_group, _system, _router.Addresses)));
        }

        Context.Parent.Tell(new CheckpointInstalledHere(new InstancesSkipped(header.Instance, header.Checksum, _ran.MarksOf(_router.Self), _system) { Master = _master }));
        RetainCheckpoints();
    }

    private void TakeCheckpointIfDue()
    {
        if (_checkpoints is null || _executed != _learner.NextInstance || !_schedule.Due(_executed))
        {
            return;
        }

        // Between two instances: the filter is copied and each machine frozen here, on the
        // learner; the files are written on another thread while the group goes on.
        _schedule.Started();
        var header = new CheckpointHeader(_group, _executed, _learner.LastChecksum);
        var filter = _ran.ToBytes();
        var frozen = _machines.Values.Select(m => (m.Id, ((ICheckpointable)m).Capture())).ToList();
        frozen.Add((CheckpointFormat.SystemSection, new FrozenBytes(SystemSnapshot.Encode(_system, _master))));
        var store = _checkpoints;
        Task.Run(() =>
        {
            var watch = Stopwatch.StartNew();
            var (path, bytes) = store.Write(header, filter, frozen);
            return new CheckpointTaken(header, path, bytes, watch.ElapsedMilliseconds);
        }).PipeTo(Self, failure: e => new CheckpointFailed(header, e));
    }
}
