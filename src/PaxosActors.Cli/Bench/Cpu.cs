using System.Diagnostics;

namespace PaxosActors.Cli.Bench;

/// <summary>This process's CPU time so far, user and system, on every core.</summary>
internal static class Cpu
{
    public static TimeSpan Now
    {
        get
        {
            using var self = Process.GetCurrentProcess();
            return self.TotalProcessorTime;
        }
    }
}
