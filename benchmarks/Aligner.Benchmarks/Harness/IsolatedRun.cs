using System.Diagnostics;
using System.Globalization;
using Aligner.Benchmarks.Measurement;

namespace Aligner.Benchmarks.Harness;

/// <summary>
/// One timing of one backend in a child process: this benchmark program started again with
/// <c>side-by-side-child</c> and the harness options, which prints one <c>RESULT</c> line (seconds for prefill, decode and
/// batched decode, and the weight bytes per token). Each backend then has the process to itself: Torch's OpenMP pool,
/// ONNX Runtime's and llama.cpp's threads never spin beside one another.
/// </summary>
internal static class IsolatedRun
{
    private const string ResultPrefix = "RESULT ";

    /// <summary>The command that starts a child.</summary>
    public const string ChildCommand = "side-by-side-child";

    /// <summary>Runs one timing of <paramref name="backend"/> in a child process and reads its result.</summary>
    public static ((double Prefill, double Decode, double Batch) Run, long WeightBytesPerToken, string? Error) Measure(
        HarnessOptions options, string checkpoint, BenchmarkBackend backend, TextWriter log, CancellationToken cancellationToken)
    {
        using var child = StartSelf(ChildArguments(options, checkpoint, backend));
        using var kill = cancellationToken.Register(() => { try { child.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } });
        var errors = child.StandardError.ReadToEndAsync(cancellationToken);
        string? result = null;
        while (child.StandardOutput.ReadLine() is { } line)
        {
            if (line.StartsWith(ResultPrefix, StringComparison.Ordinal)) result = line[ResultPrefix.Length..];
            else if (line.Length > 0) log.WriteLine($"    | {line}");
        }
        child.WaitForExit();
        cancellationToken.ThrowIfCancellationRequested();
        string stderr = errors.Result.Trim();
        if (child.ExitCode != 0 || result is null)
            return (default, 0, $"the child process exited with {child.ExitCode}: {LastLine(stderr)}");
        var f = result.Split(' ');
        double D(int i) => double.Parse(f[i], CultureInfo.InvariantCulture);
        return ((D(0), D(1), D(2)), long.Parse(f[3], CultureInfo.InvariantCulture), null);
    }

    /// <summary>The command that starts a co-tenant: <c>busy N</c> spins N threads until it is killed.</summary>
    public const string BusyCommand = "busy";

    /// <summary>Starts this benchmark program again with <paramref name="arguments"/>, output redirected.</summary>
    public static Process StartSelf(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("The benchmark's own executable is unknown.");
        start.FileName = self;
        // Under `dotnet Aligner.Benchmarks.dll` the process is the dotnet host: pass the assembly again.
        if (Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            start.ArgumentList.Add(typeof(IsolatedRun).Assembly.Location);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        return Process.Start(start) ?? throw new InvalidOperationException($"Could not start {self}.");
    }

    /// <summary>The co-tenant's side: <paramref name="threads"/> threads spinning until the process is killed.</summary>
    public static int BusyMain(int threads)
    {
        for (int t = 0; t < threads; t++)
            new Thread(() => { ulong x = 0; while (true) x = x * 6364136223846793005UL + 1; }) { IsBackground = true }.Start();
        Thread.Sleep(Timeout.Infinite);
        return 0;
    }

    /// <summary>The child's side: times the one backend of <paramref name="options"/> and prints the result line.</summary>
    public static int ChildMain(HarnessOptions options, TextWriter output)
    {
        if (options.Backends.Count != 1) throw new ArgumentException("A child times exactly one backend.");
        var (prefill, decode, batch, bytes) = SideBySideHarness.MeasureOnce(options, options.Backends[0], output);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{ResultPrefix}{prefill:R} {decode:R} {batch:R} {bytes}"));
        return 0;
    }

    private static IEnumerable<string> ChildArguments(HarnessOptions o, string checkpoint, BenchmarkBackend backend) =>
    [
        ChildCommand, "--model", checkpoint, "--threads", Inv(o.Threads), "--prefill", Inv(o.PrefillLength), "--prompt", Inv(o.DecodePromptLength),
        "--steps", Inv(o.DecodeSteps), "--batch", Inv(o.BatchSize), "--backends", Program.BackendName(backend),
    ];

    private static string Inv(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string LastLine(string text) => text.Length == 0 ? "(no error output)" : text.Split('\n')[^1].Trim();
}
