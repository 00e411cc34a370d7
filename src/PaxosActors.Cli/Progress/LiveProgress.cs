using Spectre.Console;

namespace PaxosActors.Cli.Progress;

/// <summary>Where a long step stands: the fraction done (null when unknown) and a line of text.</summary>
internal readonly record struct ProgressState(double? Fraction, string Text);

/// <summary>
/// Shows a long step's progress until disposed: a live Spectre.Console bar when the output is an
/// interactive terminal, otherwise a plain line every <c>plainEvery</c> (so logs and pipes get
/// lines, never escape codes).
/// </summary>
internal sealed class LiveProgress : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly Task _running;

    private LiveProgress(CancellationTokenSource stop, Task running)
    {
        _stop = stop;
        _running = running;
    }

    /// <summary>Whether <paramref name="output"/> is this process's console on a terminal that can redraw.</summary>
    public static bool IsInteractive(TextWriter output) =>
        ReferenceEquals(output, System.Console.Out) && !System.Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>Starts showing <paramref name="probe"/>'s state: on <paramref name="console"/> if given, as a bar when the output is interactive, else as plain lines.</summary>
    public static LiveProgress Start(TextWriter output, string title, Func<ProgressState> probe, TimeSpan plainEvery, IAnsiConsole? console = null)
    {
        var stop = new CancellationTokenSource();
        console ??= IsInteractive(output) ? AnsiConsole.Console : null;
        return new LiveProgress(stop, console is null ? PlainAsync(output, probe, plainEvery, stop.Token) : BarAsync(console, title, probe, stop.Token));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running;
        _stop.Dispose();
    }

    private static async Task PlainAsync(TextWriter output, Func<ProgressState> probe, TimeSpan every, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(every);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                output.WriteLine($"   {probe().Text}");
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static Task BarAsync(IAnsiConsole console, string title, Func<ProgressState> probe, CancellationToken stop) =>
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(title), maxValue: 1);
                while (!stop.IsCancellationRequested)
                {
                    Update(task, title, probe());
                    try
                    {
                        await Task.Delay(100, stop);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }

                Update(task, title, probe());
                task.StopTask();
            });

    private static void Update(ProgressTask task, string title, ProgressState state)
    {
        task.IsIndeterminate = state.Fraction is null;
        task.Value = Math.Clamp(state.Fraction ?? 0, 0, 1);
        task.Description = Markup.Escape($"{title}: {state.Text}");
    }
}
