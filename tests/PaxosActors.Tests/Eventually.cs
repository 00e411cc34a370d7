namespace PaxosActors.Tests;

/// <summary>Awaits a condition with a ceiling: checks it every few milliseconds, and fails naming what was awaited.</summary>
internal static class Eventually
{
    public static Task HoldsAsync(Func<bool> condition, TimeSpan ceiling, Func<string> what) =>
        HoldsAsync(() => Task.FromResult(condition()), ceiling, what);

    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan ceiling, Func<string> what)
    {
        var deadline = DateTime.UtcNow + ceiling;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Waited in vain for " + what());
            }

            await Task.Delay(20);
        }
    }
}
