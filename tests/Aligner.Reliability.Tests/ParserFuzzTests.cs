using System.Runtime.InteropServices;
using Aligner.Backends.Onnx;
using Aligner.Backends.Torch.Tests.Loading;
using Aligner.Checkpoints;
using Aligner.Gguf;
using Aligner.Tokenization;

namespace Aligner.Reliability.Tests;

/// <summary>
/// Every parser of untrusted files, fed seeded mutations of valid files: each mutant either loads or fails with a
/// typed <see cref="AlignerException"/> naming the file, within a time limit. A crash, hang, or any other exception
/// type fails the test and prints the seed and mutant index to reproduce it.
/// The README documents a longer run (ALIGNER_FUZZ_ITERATIONS).
/// </summary>
[Collection(TinyCorrectorCollection.Name)]
public sealed class ParserFuzzTests(TinyCorrectorFixture fixture)
{
    private static readonly int Iterations = int.TryParse(Environment.GetEnvironmentVariable("ALIGNER_FUZZ_ITERATIONS"), out var n) ? n : 150;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    [Fact]
    public void Safetensors() => Fuzz("model.safetensors", json: false, Iterations, folder => { using var f = SafeTensorsFile.Open(Path.Combine(folder, "model.safetensors")); });

    [Fact]
    public void Config_json() => Fuzz("config.json", json: true, Iterations, folder => DecoderConfig.Load(Path.Combine(folder, "config.json")));

    [Fact]
    public void Generation_config_json() => Fuzz("generation_config.json", json: true, Iterations / 2, folder => CheckpointFolder.Open(folder));

    [Fact]
    public void Tokenizer_json() => Fuzz("tokenizer.json", json: true, Math.Max(10, Iterations / 5), folder => TokenizerLoader.Load(folder));

    [Fact]
    public void Tokenizer_config_json() => Fuzz("tokenizer_config.json", json: true, Iterations / 2, folder => TokenizerLoader.Load(folder));

    [Fact]
    public void Sharded_index_json()
    {
        // Make a sharded copy: the index names the one shard.
        var names = ReadTensorNames();
        var index = "{\"metadata\":{\"total_size\":0},\"weight_map\":{" + string.Join(",", names.Select(x => $"\"{x}\":\"model-00001-of-00001.safetensors\"")) + "}}";
        Fuzz("model.safetensors.index.json", json: true, Iterations, folder => { using var w = CheckpointWeights.Open(folder); },
            prepare: folder =>
            {
                File.Move(Path.Combine(folder, "model.safetensors"), Path.Combine(folder, "model-00001-of-00001.safetensors"));
                File.WriteAllText(Path.Combine(folder, "model.safetensors.index.json"), index);
            });
    }

    /// <summary>A small state dict in torch.save format: several dtypes, a view at an offset into a shared storage.</summary>
    private static List<TorchBinWriter.Entry> BinEntries()
    {
        var random = new Random(17);
        var floats = Enumerable.Range(0, 48).Select(_ => (float)random.NextDouble()).ToArray();
        return
        [
            new("model.embed_tokens.weight", SafeTensorDType.F32, [8, 6], MemoryMarshal.AsBytes(floats.AsSpan()).ToArray()),
            new("model.layers.0.mlp.up_proj.weight", SafeTensorDType.F32, [2, 6], [], ShareWith: "model.embed_tokens.weight", StorageOffset: 12),
            new("model.norm.weight", SafeTensorDType.BF16, [6], [.. Enumerable.Range(0, 12).Select(i => (byte)(i * 7))]),
            new("position", SafeTensorDType.I64, [2], new byte[16]),
        ];
    }

    private static void LoadBin(string folder)
    {
        using var weights = CheckpointWeights.Open(folder);
        foreach (var name in weights.Names)
            if (weights.GetInfo(name).DType.IsFloatingPoint()) weights.ReadSingles(name);
    }

    [Fact]
    public void Pytorch_model_bin() => Fuzz("pytorch_model.bin", json: false, Iterations, LoadBin, prepare: folder =>
    {
        File.Delete(Path.Combine(folder, "model.safetensors"));
        TorchBinWriter.Write(Path.Combine(folder, "pytorch_model.bin"), BinEntries());
    });

    [Fact]
    public void Pytorch_model_bin_pickle()
    {
        // Mutations of data.pkl alone, re-wrapped in a valid archive: they reach the unpickler instead of the zip reader.
        var work = Path.Combine(fixture.Root, "fuzz-data.pkl");
        Directory.CreateDirectory(work);
        var target = Path.Combine(work, "pytorch_model.bin");
        TorchBinWriter.Write(target, BinEntries());
        LoadBin(work);
        var mutator = new Mutator(seed: 2024);
        var outcomes = new Dictionary<string, int>();
        for (int i = 0; i < Iterations; i++)
        {
            TorchBinWriter.Write(target, BinEntries(), pickle => mutator.Mutate(pickle, json: false));
            var outcome = Run(() => LoadBin(work), $"data.pkl mutant {i}");
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }
        Assert.True(outcomes.Keys.Any(k => k != "loaded"), "data.pkl: no mutant was rejected; the fuzzer is not reaching the unpickler.");
    }

    [Fact]
    public void Gguf() => FuzzFile(fixture.GgufPath, Iterations, path => GgufFile.Open(path));

    [Fact]
    public void Onnx() => FuzzOnnx(Math.Max(10, Iterations / 5));

    private string[] ReadTensorNames()
    {
        using var file = SafeTensorsFile.Open(Path.Combine(fixture.CheckpointFolder, "model.safetensors"));
        return [.. file.Tensors.Keys];
    }

    private void Fuzz(string fileName, bool json, int iterations, Action<string> load, Action<string>? prepare = null)
    {
        var work = Path.Combine(fixture.Root, "fuzz-" + fileName);
        CopyFolder(fixture.CheckpointFolder, work);
        prepare?.Invoke(work);
        var target = Path.Combine(work, fileName);
        var valid = File.ReadAllBytes(target);
        load(work); // the valid file loads
        var mutator = new Mutator(seed: fileName.Aggregate(1234, (h, c) => unchecked(h * 31 + c)) & 0xFFFF); // the same seed in every run
        var outcomes = new Dictionary<string, int>();
        for (int i = 0; i < iterations; i++)
        {
            File.WriteAllBytes(target, mutator.Mutate(valid, json));
            var outcome = Run(() => load(work), $"{fileName} mutant {i}");
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }
        File.WriteAllBytes(target, valid);
        Assert.True(outcomes.Keys.Any(k => k != "loaded"), $"{fileName}: no mutant was rejected; the fuzzer is not reaching the parser.");
    }

    private void FuzzFile(string path, int iterations, Action<string> load)
    {
        var valid = File.ReadAllBytes(path);
        var target = Path.Combine(fixture.Root, "fuzz-" + Path.GetFileName(path));
        load(path); // the valid file loads
        var mutator = new Mutator(seed: 4321);
        int rejected = 0;
        for (int i = 0; i < iterations; i++)
        {
            File.WriteAllBytes(target, mutator.Mutate(valid, json: false));
            if (Run(() => load(target), $"{Path.GetFileName(path)} mutant {i}") != "loaded") rejected++;
        }
        Assert.True(rejected > 0, $"{Path.GetFileName(path)}: no mutant was rejected; the fuzzer is not reaching the parser.");
    }

    private void FuzzOnnx(int iterations)
    {
        var work = Path.Combine(fixture.Root, "fuzz-onnx");
        CopyFolder(fixture.OnnxFolder, work);
        var target = Path.Combine(work, "model.onnx");
        var valid = File.ReadAllBytes(target);
        using (OnnxDecoderModel.Load(work)) { } // the valid folder loads
        var mutator = new Mutator(seed: 99);
        int rejected = 0;
        for (int i = 0; i < iterations; i++)
        {
            File.WriteAllBytes(target, mutator.Mutate(valid, json: false));
            if (Run(() => { using var m = OnnxDecoderModel.Load(work); }, $"model.onnx mutant {i}") != "loaded") rejected++;
        }
        File.WriteAllBytes(target, valid);
        Assert.True(rejected > 0, "model.onnx: no mutant was rejected; the fuzzer is not reaching the parser.");
    }

    /// <summary>Runs one load; returns "loaded" or the exception type; fails on untyped exceptions and hangs.</summary>
    private static string Run(Action load, string what)
    {
        var task = Task.Run(load);
        try
        {
            if (!task.Wait(Limit)) Assert.Fail($"{what}: no answer within {Limit.TotalSeconds} s (hang).");
            return "loaded";
        }
        catch (AggregateException e) when (e.InnerException is AlignerException typed)
        {
            Assert.False(string.IsNullOrWhiteSpace(typed.Message), $"{what}: empty error message.");
            return typed.GetType().Name;
        }
        catch (AggregateException e)
        {
            Assert.Fail($"{what}: untyped {e.InnerException!.GetType().Name}: {e.InnerException.Message}");
            throw;
        }
    }

    private static void CopyFolder(string from, string to)
    {
        if (Directory.Exists(to)) Directory.Delete(to, recursive: true);
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }
}
