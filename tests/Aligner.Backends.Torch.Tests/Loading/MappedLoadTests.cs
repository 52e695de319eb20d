using Aligner.Backends.Torch.Loading;
using Aligner.Backends.Torch.Modeling;
using Aligner.Checkpoints;
using Aligner.Checkpoints.TorchPickle;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Tests.Loading;

/// <summary>
/// Weights mapped from the checkpoint files (<see cref="TorchWeightStorage.MappedFile"/>) give the same model as weights
/// read into memory: the same logits through the libtorch layers and through the managed decode step, for every
/// architecture, float32 and bfloat16, in Hugging Face's name-sorted file order (q/k/v apart in the file, so they run as
/// separate matrices) and in Aligner's own order (q/k/v adjacent, so they stay one matrix); the files are never written.
/// </summary>
public sealed class MappedLoadTests
{
    public MappedLoadTests() => TorchRuntime.EnsureInitialized();

    public static TheoryData<string, string, bool> Cases()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (var type in TinyModels.ModelTypes)
            foreach (var dtype in new[] { "f32", "bf16" })
                foreach (bool sorted in new[] { true, false })
                    data.Add(type, dtype, sorted);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_mapped_model_computes_what_a_model_in_memory_computes(string modelType, string dtypeName, bool hfOrder)
    {
        if (!OperatingSystem.IsLinux()) return;
        var dtype = dtypeName == "bf16" ? ScalarType.BFloat16 : ScalarType.Float32;
        using var folder = new TempFolder();
        Save(modelType, dtype, folder.Path, hfOrder);
        var checkpoint = CheckpointFolder.Open(folder.Path);
        var (inMemory, _, _) = TorchModelLoader.Load(checkpoint, dtype, CPU, storage: TorchWeightStorage.Memory);
        var (mapped, _, _) = TorchModelLoader.Load(checkpoint, dtype, CPU, storage: TorchWeightStorage.MappedFile);
        using (inMemory)
        using (mapped)
        {
            Assert.False(inMemory.IsFileMapped);
            Assert.True(mapped.IsFileMapped);
            foreach (var layer in mapped.Model.Layers)
            {
                // Hugging Face sorts names: k_proj, o_proj, q_proj, v_proj (apart), gate_proj, up_proj (adjacent).
                // In Aligner's order q/k/v are adjacent unless biases (Qwen2) sit between them.
                bool qkvAdjacent = !hfOrder && !mapped.Config.HasQkvBias;
                Assert.Equal(qkvAdjacent, layer.SelfAttention.RunsPacked);
                Assert.Equal(!qkvAdjacent, layer.SelfAttention.RunsSeparated);
                Assert.True(layer.Mlp.RunsPacked);
            }
            // Every parameter holds the file's values.
            using var weights = checkpoint.OpenWeights();
            foreach (var (name, p) in mapped.named_parameters())
                Assert.True(weights.GetBytes(name).SequenceEqual(p.bytes), $"{name} differs from the file");

            var tokens = TinyModels.RandomTokens(7, seed: 3);
            AssertClose(Flatten(TinyModels.FullLogits(inMemory, tokens)), Flatten(TinyModels.FullLogits(mapped, tokens)), "full-sequence logits");
            // The managed decode step (separate q/k/v matrices in Hugging Face's order) against the same step in memory.
            int[] prompt = [5, 9, 11], mask = [1, 1, 1];
            var steps = TinyModels.RandomTokens(6, seed: 4);
            AssertClose(Decode(inMemory, prompt, mask, steps), Decode(mapped, prompt, mask, steps), "decode-step logits");
        }
    }

    [Fact]
    public void A_file_system_that_refuses_the_mapping_gets_the_weights_read_into_memory()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var folder = new TempFolder();
        Save("llama", ScalarType.Float32, folder.Path, hfOrder: true);
        var checkpoint = CheckpointFolder.Open(folder.Path);
        var logger = new ListLogger();
        MappedCheckpointLoader.BeforeMapping = () => throw new System.Runtime.InteropServices.ExternalException("mmap: operation not supported");
        try
        {
            var (model, _, _) = TorchModelLoader.Load(checkpoint, ScalarType.Float32, CPU, storage: TorchWeightStorage.MappedFile, logger: logger);
            using (model)
            {
                Assert.False(model.IsFileMapped);
                var (reference, _, _) = TorchModelLoader.Load(checkpoint, ScalarType.Float32, CPU, storage: TorchWeightStorage.Memory);
                using (reference)
                {
                    var tokens = TinyModels.RandomTokens(5, seed: 1);
                    AssertClose(Flatten(TinyModels.FullLogits(reference, tokens)), Flatten(TinyModels.FullLogits(model, tokens)), "logits");
                }
            }
        }
        finally { MappedCheckpointLoader.BeforeMapping = null; }
        Assert.Contains(logger.Messages, m => m.Contains("reading them into memory instead", StringComparison.Ordinal));
    }

    private sealed class ListLogger : Microsoft.Extensions.Logging.ILogger
    {
        public List<string> Messages { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;
        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Add(formatter(state, exception));
    }

    [Fact]
    public void Writing_to_a_mapped_parameter_never_changes_the_file()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var folder = new TempFolder();
        Save("llama", ScalarType.Float32, folder.Path, hfOrder: true);
        var file = Path.Combine(folder.Path, CheckpointWeights.SingleFileName);
        var before = File.ReadAllBytes(file);
        var (mapped, _, _) = TorchModelLoader.Load(CheckpointFolder.Open(folder.Path), ScalarType.Float32, CPU, storage: TorchWeightStorage.MappedFile);
        using (mapped)
        {
            using (no_grad())
                foreach (var p in mapped.parameters()) p.add_(1.0);
            Assert.True(mapped.IsFileMapped);
        }
        Assert.Equal(before, File.ReadAllBytes(file));
    }

    [Fact]
    public void A_mapped_model_can_be_quantized_to_int8_afterwards()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var folder = new TempFolder();
        Save("qwen2", ScalarType.BFloat16, folder.Path, hfOrder: true);
        var checkpoint = CheckpointFolder.Open(folder.Path);
        var (inMemory, _, _) = TorchModelLoader.Load(checkpoint, ScalarType.BFloat16, CPU, storage: TorchWeightStorage.Memory);
        var (mapped, _, _) = TorchModelLoader.Load(checkpoint, ScalarType.BFloat16, CPU, storage: TorchWeightStorage.MappedFile);
        using (inMemory)
        using (mapped)
        {
            inMemory.QuantizeInt8();
            mapped.QuantizeInt8();
            Assert.True(mapped.IsQuantized);
            int[] prompt = [7, 8], mask = [1, 1];
            var steps = TinyModels.RandomTokens(4, seed: 6);
            // Quantization blocks run along each row, so packed and separate matrices quantize to the same values.
            AssertClose(Decode(inMemory, prompt, mask, steps), Decode(mapped, prompt, mask, steps), "int8 decode-step logits");
        }
    }

    [Fact]
    public void Checkpoints_that_cannot_be_mapped_are_read_into_memory_and_small_ones_are_not_mapped_by_default()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var folder = new TempFolder();
        Save("gemma", ScalarType.BFloat16, folder.Path, hfOrder: true);
        var checkpoint = CheckpointFolder.Open(folder.Path);
        // A bfloat16 file loaded as float32 needs a conversion: read into memory, even when mapping is asked for.
        var (widened, _, _) = TorchModelLoader.Load(checkpoint, ScalarType.Float32, CPU, storage: TorchWeightStorage.MappedFile);
        using (widened) Assert.False(widened.IsFileMapped);
        // Auto maps only checkpoints of at least 1 GiB.
        var (small, _, _) = TorchModelLoader.Load(checkpoint, ScalarType.BFloat16, CPU, storage: TorchWeightStorage.Auto);
        using (small) Assert.False(small.IsFileMapped);
    }

    [Fact]
    public void An_int8_load_quantizes_from_the_mapping_to_the_same_model()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var folder = new TempFolder();
        Save("gemma2", ScalarType.BFloat16, folder.Path, hfOrder: true);
        var checkpoint = CheckpointFolder.Open(folder.Path);
        var (read, _, _) = TorchModelLoader.Load(checkpoint, ScalarType.BFloat16, CPU, quantization: TorchWeightQuantization.Int8, storage: TorchWeightStorage.Memory);
        var (mapped, _, _) = TorchModelLoader.Load(checkpoint, ScalarType.BFloat16, CPU, quantization: TorchWeightQuantization.Int8, storage: TorchWeightStorage.MappedFile);
        using (read)
        using (mapped)
        {
            Assert.True(mapped.IsQuantized && mapped.IsFileMapped);
            Assert.False(read.IsFileMapped);
            int[] prompt = [3, 4, 5], mask = [1, 1, 1];
            var steps = TinyModels.RandomTokens(5, seed: 2);
            AssertClose(Decode(read, prompt, mask, steps), Decode(mapped, prompt, mask, steps), "int8 decode-step logits");
            var tokens = TinyModels.RandomTokens(6, seed: 9);
            AssertClose(Flatten(TinyModels.FullLogits(read, tokens)), Flatten(TinyModels.FullLogits(mapped, tokens)), "int8 full-sequence logits");
        }
    }

    [Fact]
    public void Pytorch_bin_checkpoints_map_where_their_storages_are_aligned_and_load_into_memory_where_not()
    {
        if (!OperatingSystem.IsLinux()) return;
        // torch.save aligns every storage to 64 bytes, so each tensor of a real file starts at a multiple of its element size.
        using (var real = TorchCheckpointFile.Open(Path.Combine(AppContext.BaseDirectory, "Reference", "torch-bin", "reference.bin")))
            foreach (var (name, info) in real.Tensors)
                Assert.True(info.FileOffset % info.DType.SizeInBytes() == 0, $"{name} at byte {info.FileOffset}");
        // A .bin from .NET's zip writer (no alignment): read into memory instead, with the same values.
        using var source = new TempFolder();
        using var bin = new TempFolder();
        Save("mistral", ScalarType.Float32, source.Path, hfOrder: false);
        using (var weights = CheckpointWeights.Open(source.Path))
            TorchBinWriter.Write(Path.Combine(bin.Path, CheckpointWeights.BinFileName), TorchBinWriter.FromSafeTensors(weights));
        File.Copy(Path.Combine(source.Path, CheckpointFolder.ConfigFileName), Path.Combine(bin.Path, CheckpointFolder.ConfigFileName));
        var (inMemory, _, _) = TorchModelLoader.Load(CheckpointFolder.Open(source.Path), ScalarType.Float32, CPU, storage: TorchWeightStorage.Memory);
        var (fromBin, _, _) = TorchModelLoader.Load(CheckpointFolder.Open(bin.Path), ScalarType.Float32, CPU, storage: TorchWeightStorage.MappedFile);
        using (inMemory)
        using (fromBin)
        {
            using var binWeights = CheckpointWeights.Open(bin.Path);
            bool aligned = binWeights.Names.All(n => binWeights.GetInfo(n).FileOffset % 4 == 0);
            Assert.Equal(aligned, fromBin.IsFileMapped);
            var tokens = TinyModels.RandomTokens(6, seed: 12);
            AssertClose(Flatten(TinyModels.FullLogits(inMemory, tokens)), Flatten(TinyModels.FullLogits(fromBin, tokens)), "full-sequence logits");
        }
    }

    [Fact]
    public void A_file_truncated_after_it_was_opened_is_a_format_error_naming_the_tensor()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var folder = new TempFolder();
        Save("llama", ScalarType.Float32, folder.Path, hfOrder: true);
        var checkpoint = CheckpointFolder.Open(folder.Path);
        using var weights = checkpoint.OpenWeights();
        var file = Path.Combine(folder.Path, CheckpointWeights.SingleFileName);
        using (var stream = new FileStream(file, FileMode.Open, FileAccess.Write)) stream.SetLength(stream.Length - 64);
        using var model = new CausalLanguageModel(checkpoint.Config, ScalarType.Float32);
        var e = Assert.Throws<ModelFormatException>(() => MappedCheckpointLoader.Load(model, weights));
        Assert.Contains("truncated", e.Message);
        Assert.Equal(file, e.FilePath);
    }

    /// <summary>Writes a random model's checkpoint; <paramref name="hfOrder"/> rewrites it with tensors sorted by name, as Hugging Face's writer does.</summary>
    private static void Save(string modelType, ScalarType dtype, string folder, bool hfOrder)
    {
        using (var model = CausalLanguageModel.CreateRandom(TinyModels.Config(modelType), seed: 21, dtype)) model.SaveCheckpoint(folder);
        if (!hfOrder) return;
        var file = Path.Combine(folder, CheckpointWeights.SingleFileName);
        var writer = new SafeTensorsWriter();
        using (var weights = CheckpointWeights.Open(folder))
            foreach (var name in weights.Names.Order(StringComparer.Ordinal))
            {
                var info = weights.GetInfo(name);
                writer.Add(name, info.DType, info.Shape, weights.GetBytes(name).ToArray());
            }
        writer.Save(file);
    }

    private static float[] Decode(CausalLanguageModel model, int[] prompt, int[] mask, int[] tokens)
    {
        var logits = new float[model.Config.VocabSize];
        var all = new List<float>();
        using var session = new TorchDecoderSession(model, 1, prompt.Length + tokens.Length);
        Assert.True(session.UsesFusedStep);
        session.Prefill(prompt, mask, prompt.Length, logits);
        foreach (var token in tokens)
        {
            session.Step([token], logits);
            all.AddRange(logits);
        }
        return [.. all];
    }

    private static float[] Flatten(float[,] values) => [.. values.Cast<float>()];

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double largest = expected.Max(Math.Abs);
        Assert.True(largest > 0.01, $"{what}: all near zero");
        // The same weights; packed and separate matrices may only sum in another order.
        double tolerance = 1e-5 * Math.Max(1, largest);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"{what} {i}: in memory {expected[i]}, mapped {actual[i]}");
    }
}
