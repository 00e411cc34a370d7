namespace PaxosActors.Tests.Master;

/// <summary>
/// A state machine fenced by the master version: an increment counts only if it carries the
/// version the log holds now, so work a deposed master sends late is refused on every node.
/// </summary>
public sealed class FencedCounter : IStateMachine, IMasterAware
{
    private readonly List<(int Master, long Version, long Instance)> _masters = [];

    public int Id => 1;

    public long Count { get; private set; }

    public long Version { get; private set; }

    /// <summary>Every master change the log applied, in order.</summary>
    public IReadOnlyList<(int Master, long Version, long Instance)> Masters
    {
        get
        {
            lock (_masters)
            {
                return _masters.ToList();
            }
        }
    }

    public void MasterChanged(int masterNodeId, long version, long instance)
    {
        lock (_masters)
        {
            if (_masters.Count == 0 || _masters[^1].Version != version)
            {
                _masters.Add((masterNodeId, version, instance));
            }
        }

        Version = version;
    }

    public object? Execute(long instance, object command)
    {
        var version = long.Parse((string)command, System.Globalization.CultureInfo.InvariantCulture);
        if (version != Version)
        {
            return $"fenced: {version} is not the master version {Version}";
        }

        Count++;
        return "counted";
    }
}
