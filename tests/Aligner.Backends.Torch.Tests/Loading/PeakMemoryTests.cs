using System.Diagnostics;
using System.Text.RegularExpressions;
using Aligner.Backends.Torch.Loading;
using Aligner.Checkpoints;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Tests.Loading;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurementCollection
{
    public const string Name = "Memory measurements (run alone)";
}

/// <summary>
/// Peak resident memory of a load, on one layer of a real-width model (hidden 4096, FFN 11008, vocab 32000, bf16,
/// 0.93 GB): the weights are read from the file into the parameters once, so the process grows by little more than
/// their bytes (the old loader went through a second buffer and the memory map, ~2×).
/// </summary>
[Collection(MemoryMeasurementCollection.Name)]
public sealed partial class PeakMemoryTests(ITestOutputHelper output)
{
    /// <summary>Fixed allowance for libtorch and runtime allocations made during a load.</summary>
    private const long FixedMarginBytes = 64L << 20;

    [Fact]
    public void Loading_a_real_width_layer_grows_peak_rss_by_at_most_1_15x_the_weights()
    {
        if (!OperatingSystem.IsLinux()) return;
        TorchRuntime.EnsureInitialized();
        using var folder = new TempFolder();
        var (checkpoint, weightBytes, baseline) = Prepare(folder, layers: 1);
        var clock = Stopwatch.StartNew();
        var (model, decision, plan) = TorchModelLoader.Load(checkpoint, ScalarType.BFloat16, CPU);
        clock.Stop();
        using (model)
        {
            long peak = Status("VmHWM");
            long growth = peak - baseline;
            output.WriteLine($"weights {weightBytes / 1e6:F0} MB; peak RSS growth {growth / 1e6:F0} MB = {(double)growth / weightBytes:F3}x; load {clock.Elapsed.TotalSeconds:F2} s");
            Assert.Equal(weightBytes, plan.WeightBytes);
            Assert.True(growth <= 1.15 * weightBytes + FixedMarginBytes,
                $"peak RSS grew by {growth} bytes for {weightBytes} bytes of weights ({(double)growth / weightBytes:F3}x)");
            // And the values are the file's, bit for bit.
            using var weights = checkpoint.OpenWeights();
            foreach (var (name, p) in model.named_parameters())
            {
                var expected = weights.GetBytes(name);
                var actual = p.bytes;
                Assert.True(expected.SequenceEqual(actual), $"{name} differs from the file");
            }
        }
    }

    [Fact]
    public void A_mapped_load_of_a_real_width_layer_copies_nothing_and_holds_the_files_values()
    {
        if (!OperatingSystem.IsLinux()) return;
        TorchRuntime.EnsureInitialized();
        using var folder = new TempFolder();
        var (checkpoint, weightBytes, baseline) = Prepare(folder, layers: 1);
        var clock = Stopwatch.StartNew();
        var (mapped, _, _) = TorchModelLoader.Load(checkpoint, ScalarType.BFloat16, CPU, storage: TorchWeightStorage.MappedFile);
        clock.Stop();
        using (mapped)
        {
            Assert.True(mapped.IsFileMapped);
            long atLoad = Status("VmHWM") - baseline;
            output.WriteLine($"weights {weightBytes / 1e6:F0} MB; peak RSS growth at load {atLoad / 1e6:F0} MB; load {clock.Elapsed.TotalSeconds:F3} s");
            Assert.True(atLoad < 0.15 * weightBytes + FixedMarginBytes, $"peak RSS grew by {atLoad / 1e6:F0} MB while mapping {weightBytes / 1e6:F0} MB");
            GC.Collect();
            ResetPeak();
            long before = Status("VmRSS");
            using var weights = checkpoint.OpenWeights();
            // Reading every parameter faults in the file's pages: shared with the page cache, never a private copy.
            foreach (var (name, p) in mapped.named_parameters())
                Assert.True(weights.GetBytes(name).SequenceEqual(p.bytes), $"{name} differs from the file");
            long anonymous = Status("RssAnon");
            output.WriteLine($"after reading every weight: RSS {Status("VmRSS") / 1e6:F0} MB (anon {anonymous / 1e6:F0} MB, file {Status("RssFile") / 1e6:F0} MB), before {before / 1e6:F0} MB");
            Assert.True(anonymous < baseline + 0.15 * weightBytes + FixedMarginBytes,
                $"anonymous RSS is {anonymous / 1e6:F0} MB for {weightBytes / 1e6:F0} MB of mapped weights: they were copied");
        }
    }

    [Fact]
    public void An_int8_load_quantizes_layer_by_layer_and_never_holds_the_whole_model_in_16_bits()
    {
        if (!OperatingSystem.IsLinux()) return;
        TorchRuntime.EnsureInitialized();
        using var folder = new TempFolder();
        // Prepare collects garbage first, so no collection runs during the load to free what the load forgot to release.
        var (checkpoint, bf16Bytes, baseline) = Prepare(folder, layers: 3);
        var clock = Stopwatch.StartNew();
        var (model, _, plan) = TorchModelLoader.Load(checkpoint, ScalarType.BFloat16, CPU, quantization: TorchWeightQuantization.Int8);
        clock.Stop();
        using (model)
        {
            long peak = Status("VmHWM"), held = Status("VmRSS");
            long growth = peak - baseline;
            output.WriteLine($"bf16 weights {bf16Bytes / 1e6:F0} MB; int8 plan {plan.WeightBytes / 1e6:F0} MB; peak RSS growth {growth / 1e6:F0} MB, held {(held - baseline) / 1e6:F0} MB (anon {Status("RssAnon") / 1e6:F0} MB, file {Status("RssFile") / 1e6:F0} MB); load {clock.Elapsed.TotalSeconds:F2} s");
            Assert.True(model.IsQuantized);
            Assert.True(growth < 0.9 * bf16Bytes, $"peak RSS grew by {growth / 1e6:F0} MB: about a whole 16-bit load ({bf16Bytes / 1e6:F0} MB)");
            Assert.True(growth <= 1.15 * plan.WeightBytes + FixedMarginBytes,
                $"peak RSS grew by {growth / 1e6:F0} MB, over the int8 plan's {plan.WeightBytes / 1e6:F0} MB (bf16 weights {bf16Bytes / 1e6:F0} MB)");
        }
    }

    [Fact]
    public void A_mapped_int8_load_drops_each_layers_pages_once_quantized()
    {
        if (!OperatingSystem.IsLinux()) return;
        TorchRuntime.EnsureInitialized();
        using var folder = new TempFolder();
        var (checkpoint, bf16Bytes, baseline) = Prepare(folder, layers: 3);
        var clock = Stopwatch.StartNew();
        var (model, _, plan) = TorchModelLoader.Load(checkpoint, ScalarType.BFloat16, CPU, quantization: TorchWeightQuantization.Int8, storage: TorchWeightStorage.MappedFile);
        clock.Stop();
        using (model)
        {
            long growth = Status("VmHWM") - baseline;
            output.WriteLine($"bf16 weights {bf16Bytes / 1e6:F0} MB; int8 plan {plan.WeightBytes / 1e6:F0} MB; peak RSS growth {growth / 1e6:F0} MB (anon {Status("RssAnon") / 1e6:F0} MB, file {Status("RssFile") / 1e6:F0} MB); load {clock.Elapsed.TotalSeconds:F2} s");
            Assert.True(model.IsQuantized && model.IsFileMapped);
            Assert.True(growth <= 1.15 * plan.WeightBytes + FixedMarginBytes,
                $"peak RSS grew by {growth / 1e6:F0} MB, over the int8 plan's {plan.WeightBytes / 1e6:F0} MB (bf16 weights {bf16Bytes / 1e6:F0} MB)");
        }
    }

    /// <summary>
    /// Writes a real-width bf16 checkpoint of <paramref name="layers"/> layers, warms the page cache (so the figure is the
    /// copy, not the disk; reading does not touch this process's RSS), collects garbage and resets the peak: returns the
    /// checkpoint, its weight bytes and the RSS baseline.
    /// </summary>
    private static (CheckpointFolder Checkpoint, long WeightBytes, long Baseline) Prepare(TempFolder folder, int layers)
    {
        long weightBytes = RealWidthCheckpoint.Write(folder.Path, layers);
        using (var s = File.OpenRead(Path.Combine(folder.Path, CheckpointWeights.SingleFileName))) s.CopyTo(Stream.Null, 1 << 20);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        ResetPeak();
        return (CheckpointFolder.Open(folder.Path), weightBytes, Status("VmRSS"));
    }

    private static void ResetPeak() => File.WriteAllText("/proc/self/clear_refs", "5");

    private static long Status(string field)
    {
        var match = Regex.Match(File.ReadAllText("/proc/self/status"), field + @":\s+(\d+) kB");
        Assert.True(match.Success, $"/proc/self/status has no {field}");
        return long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
