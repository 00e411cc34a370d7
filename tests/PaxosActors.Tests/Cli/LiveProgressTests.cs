using PaxosActors.Cli.Progress;
using Spectre.Console.Testing;

namespace PaxosActors.Tests.Cli;

/// <summary>The progress of demo, bench and recovery: a live bar on a terminal, plain lines anywhere else.</summary>
public sealed class LiveProgressTests
{
    [Fact]
    public async Task Output_that_is_not_a_terminal_gets_plain_lines_and_no_escape_codes()
    {
        var output = new StringWriter();
        Assert.False(LiveProgress.IsInteractive(output));
        var step = 0;
        await using (LiveProgress.Start(output, "filling", () => new ProgressState(null, $"step {++step}"), TimeSpan.FromMilliseconds(20)))
        {
            await Until(() => output.ToString().Contains("step 2", StringComparison.Ordinal));
        }

        Assert.StartsWith("   step 1", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_terminal_gets_a_bar_that_ends_where_the_step_ended()
    {
        var console = new TestConsole().Interactive();
        var fraction = 0.0;
        await using (LiveProgress.Start(TextWriter.Null, "bench", () => new ProgressState(fraction, $"{fraction:P0}"), TimeSpan.FromSeconds(1), console))
        {
            // The bar is drawn while the step runs; the last state is drawn when it ends.
            await Until(() => console.Output.Contains("bench: 0", StringComparison.Ordinal));
            fraction = 1;
        }

        Assert.Contains("bench: 100", console.Output, StringComparison.Ordinal);
        Assert.Contains("100%", console.Output, StringComparison.Ordinal);
    }

    private static Task Until(Func<bool> condition) =>
        Eventually.HoldsAsync(condition, TimeSpan.FromSeconds(10), () => "the progress to show within 10 s");
}
