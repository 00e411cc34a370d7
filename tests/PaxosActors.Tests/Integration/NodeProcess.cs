using System.Diagnostics;

namespace PaxosActors.Tests.Integration;

/// <summary>A `paxos node` running as a separate OS process.</summary>
internal sealed class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private NodeProcess(string configFile, string workingDirectory)
    {
        var paxos = Path.Combine(AppContext.BaseDirectory, "paxos.dll");
        _process = new Process
        {
            StartInfo = new ProcessStartInfo("dotnet", ["exec", paxos, "node", "--config", configFile])
            {
                WorkingDirectory = workingDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            },
        };
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains(" ready at ", StringComparison.Ordinal) == true)
            {
                _ready.TrySetResult();
            }
        };
        _process.ErrorDataReceived += (_, _) => { };
        _process.Exited += (_, _) => _ready.TrySetException(new InvalidOperationException($"paxos node exited with {_process.ExitCode}"));
        _process.EnableRaisingEvents = true;
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static async Task<NodeProcess> StartAsync(string configFile, string workingDirectory)
    {
        var node = new NodeProcess(configFile, workingDirectory);
        await node._ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return node;
    }

    /// <summary>SIGKILL: no shutdown, no flush.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        _process.Dispose();
    }
}
