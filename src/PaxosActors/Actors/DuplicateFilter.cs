using PaxosActors.Core;

namespace PaxosActors.Actors;

/// <summary>
/// Remembers which commands ran, by node of origin, proposer session and sequence number, so
/// that a command that reaches the log twice (a forwarded batch delivered twice by the network)
/// runs once. It is a function of the log alone, so every node, and every replay, skips the
/// same ones. Per origin it keeps the 4 most recent sessions, and per session a window of the
/// last 65,536 sequence numbers: a command further behind its session's newest is taken for a
/// repeat and skipped (its caller, long timed out, was told the outcome is unknown).
/// </summary>
internal sealed class DuplicateFilter
{
    internal const int Window = 1 << 16;
    private const int SessionsPerOrigin = 4;
    private readonly Dictionary<NodeId, List<SessionWindow>> _origins = [];

    /// <summary>True the first time a command is seen; false for a repeat.</summary>
    public bool FirstTime(NodeId origin, long session, long sequence)
    {
        if (!_origins.TryGetValue(origin, out var sessions))
        {
            _origins[origin] = sessions = [];
        }

        var at = sessions.FindIndex(s => s.Session == session);
        var window = at >= 0 ? sessions[at] : new SessionWindow(session);
        if (at != 0)
        {
            if (at > 0)
            {
                sessions.RemoveAt(at);
            }

            sessions.Insert(0, window);
            if (sessions.Count > SessionsPerOrigin)
            {
                sessions.RemoveAt(sessions.Count - 1);
            }
        }

        return window.Add(sequence);
    }

    private sealed class SessionWindow(long session)
    {
        private readonly ulong[] _bits = new ulong[Window / 64];
        private long _newest = long.MinValue;

        public long Session { get; } = session;

        public bool Add(long sequence)
        {
            if (_newest != long.MinValue && sequence <= _newest - Window)
            {
                return false;
            }

            if (_newest == long.MinValue || sequence - _newest >= Window)
            {
                Array.Clear(_bits);
                _newest = sequence;
            }
            else
            {
                for (var s = _newest + 1; s <= sequence; s++)
                {
                    Set(s, false);
                }

                _newest = Math.Max(_newest, sequence);
            }

            if (Get(sequence))
            {
                return false;
            }

            Set(sequence, true);
            return true;
        }

        private static (int Word, ulong Mask) Slot(long sequence)
        {
            var i = (int)(((sequence % Window) + Window) % Window);
            return (i >> 6, 1UL << (i & 63));
        }

        private bool Get(long sequence)
        {
            var (word, mask) = Slot(sequence);
            return (_bits[word] & mask) != 0;
        }

        private void Set(long sequence, bool on)
        {
            var (word, mask) = Slot(sequence);
            _bits[word] = on ? _bits[word] | mask : _bits[word] & ~mask;
        }
    }
}
