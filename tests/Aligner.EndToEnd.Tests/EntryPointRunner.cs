using System.Reflection;

namespace Aligner.EndToEnd.Tests;

/// <summary>
/// Runs a sample's or the CLI's real entry point in-process with arguments and captures what it prints.
/// Console redirection is process-wide, so every test using this belongs to one serial collection.
/// </summary>
internal static class EntryPointRunner
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(Assembly assembly, params string[] args)
    {
        var entry = assembly.EntryPoint ?? throw new InvalidOperationException($"{assembly.GetName().Name} has no entry point.");
        await Gate.WaitAsync();
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        try
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
            object? result = entry.Invoke(null, entry.GetParameters().Length == 0 ? null : [args]);
            int code = result switch
            {
                Task<int> t => await t,
                Task t => await AwaitAsync(t),
                int i => i,
                _ => 0,
            };
            return (code, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
            Gate.Release();
        }
    }

    private static async Task<int> AwaitAsync(Task task)
    {
        await task;
        return 0;
    }
}
