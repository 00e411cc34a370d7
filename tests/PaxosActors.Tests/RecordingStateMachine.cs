namespace PaxosActors.Tests;

/// <summary>A state machine that records what it ran, for comparing nodes.</summary>
public sealed class RecordingStateMachine(int id = 1) : IStateMachine
{
    private readonly List<(long Instance, string Command)> _log = [];

    public int Id => id;

    public IReadOnlyList<(long Instance, string Command)> Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToList();
            }
        }
    }

    public object? Execute(long instance, object command)
    {
        lock (_log)
        {
            _log.Add((instance, (string)command));
            return $"ran {command}";
        }
    }
}
