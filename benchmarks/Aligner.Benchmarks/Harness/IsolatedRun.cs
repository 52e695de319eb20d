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
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("The benchmark's own executable is unknown.");
        start.FileName = self;
        // Under `dotnet Aligner.Benchmarks.dll` the process is the dotnet host: pass the assembly again.
        if (Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            start.ArgumentList.Add(typeof(IsolatedRun).Assembly.Location);
        foreach (var a in ChildArguments(options, checkpoint, backend)) start.ArgumentList.Add(a);

        using var child = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {self}.");
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
