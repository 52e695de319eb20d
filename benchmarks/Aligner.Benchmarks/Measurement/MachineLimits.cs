using System.Diagnostics;
using System.Numerics;
using System.Runtime.Intrinsics;
using Aligner.Backends.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Benchmarks.Measurement;

/// <summary>The machine's limits measured in the same run as the backends: memory read bandwidth and f32 GEMM throughput.</summary>
/// <param name="VectorReadBytesPerSecond">Reading a 1 GiB array with the widest hardware vectors, on all threads.</param>
/// <param name="GemvBytesPerSecond">A libtorch f32 matrix-vector product over a 1 GiB matrix (weight bytes per second).</param>
/// <param name="GemmFlopsPerSecond">A libtorch f32 matrix product (2·n³ FLOPs) at n = 2048.</param>
/// <param name="Threads">Threads used.</param>
public sealed record MachineLimits(double VectorReadBytesPerSecond, double GemvBytesPerSecond, double GemmFlopsPerSecond, int Threads)
{
    /// <summary>The memory bandwidth limit: the faster of the two reads.</summary>
    public double BandwidthBytesPerSecond => Math.Max(VectorReadBytesPerSecond, GemvBytesPerSecond);

    /// <summary>The better of each limit of two measurements (a shared machine's load only ever hides the limit).</summary>
    public MachineLimits Max(MachineLimits other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new MachineLimits(Math.Max(VectorReadBytesPerSecond, other.VectorReadBytesPerSecond), Math.Max(GemvBytesPerSecond, other.GemvBytesPerSecond),
            Math.Max(GemmFlopsPerSecond, other.GemmFlopsPerSecond), Threads);
    }

    /// <summary>Measures the limits, keeping the best of <paramref name="repeats"/> runs of each.</summary>
    public static MachineLimits Measure(int threads, int repeats = 5)
    {
        TorchRuntime.EnsureInitialized();
        torch.set_num_threads(threads);
        return new MachineLimits(MeasureVectorRead(threads, repeats), MeasureGemv(repeats), MeasureGemm(repeats), threads);
    }

    private static double MeasureVectorRead(int threads, int repeats)
    {
        const long bytes = 1L << 30;
        var data = GC.AllocateUninitializedArray<float>((int)(bytes / sizeof(float)));
        Parallel.For(0, threads, t =>
        {
            var (start, length) = Slice(data.Length, threads, t);
            data.AsSpan(start, length).Fill(1f);
        });
        double best = double.MaxValue;
        float sink = 0;
        for (int r = 0; r < repeats; r++)
        {
            var sums = new float[threads];
            var watch = Stopwatch.StartNew();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            {
                var (start, length) = Slice(data.Length, threads, t);
                sums[t] = Sum(data.AsSpan(start, length));
            });
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
            sink += sums.Sum();
        }
        GC.KeepAlive(sink);
        return bytes / best;
    }

    private static (int Start, int Length) Slice(int total, int parts, int index)
    {
        int size = total / parts;
        int start = index * size;
        return (start, index == parts - 1 ? total - start : size);
    }

    private static float Sum(ReadOnlySpan<float> values)
    {
        int i = 0;
        float total = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> a = default, b = default, c = default, d = default;
            for (; i + 64 <= values.Length; i += 64)
            {
                a += Vector512.Create(values.Slice(i, 16));
                b += Vector512.Create(values.Slice(i + 16, 16));
                c += Vector512.Create(values.Slice(i + 32, 16));
                d += Vector512.Create(values.Slice(i + 48, 16));
            }
            total = Vector512.Sum(a + b + c + d);
        }
        else
        {
            Vector<float> a = default, b = default, c = default, d = default;
            int w = Vector<float>.Count;
            for (; i + 4 * w <= values.Length; i += 4 * w)
            {
                a += new Vector<float>(values.Slice(i, w));
                b += new Vector<float>(values.Slice(i + w, w));
                c += new Vector<float>(values.Slice(i + 2 * w, w));
                d += new Vector<float>(values.Slice(i + 3 * w, w));
            }
            total = Vector.Sum(a + b + c + d);
        }
        for (; i < values.Length; i++) total += values[i];
        return total;
    }

    private static double MeasureGemv(int repeats)
    {
        const int n = 16384;
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        var matrix = ones(n, n, ScalarType.Float32);
        var vector = ones(n, ScalarType.Float32);
        mv(matrix, vector).Dispose();
        double best = double.MaxValue;
        for (int r = 0; r < repeats; r++)
        {
            var watch = Stopwatch.StartNew();
            mv(matrix, vector).Dispose();
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }
        return (double)n * n * sizeof(float) / best;
    }

    private static double MeasureGemm(int repeats)
    {
        const int n = 2048;
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        var a = randn(n, n);
        var b = randn(n, n);
        mm(a, b).Dispose();
        double best = double.MaxValue;
        for (int r = 0; r < repeats; r++)
        {
            var watch = Stopwatch.StartNew();
            mm(a, b).Dispose();
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }
        return 2.0 * n * n * n / best;
    }
}
