using Aligner.Backends.Onnx;
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
        var mutator = new Mutator(seed: fileName.GetHashCode(StringComparison.Ordinal) & 0xFFFF ^ 1234);
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
        var mutator = new Mutator(seed: 4321);
        for (int i = 0; i < iterations; i++)
        {
            File.WriteAllBytes(target, mutator.Mutate(valid, json: false));
            Run(() => load(target), $"{Path.GetFileName(path)} mutant {i}");
        }
    }

    private void FuzzOnnx(int iterations)
    {
        var work = Path.Combine(fixture.Root, "fuzz-onnx");
        CopyFolder(fixture.OnnxFolder, work);
        var target = Path.Combine(work, "model.onnx");
        var valid = File.ReadAllBytes(target);
        var mutator = new Mutator(seed: 99);
        for (int i = 0; i < iterations; i++)
        {
            File.WriteAllBytes(target, mutator.Mutate(valid, json: false));
            Run(() => { using var m = OnnxDecoderModel.Load(work); }, $"model.onnx mutant {i}");
        }
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
