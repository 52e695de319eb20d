using Aligner.Backends.Onnx;
using Aligner.Backends.Torch;
using Aligner.Backends.Torch.Modeling;
using Aligner.Checkpoints;
using Aligner.Gguf;
using Aligner.Tokenization;

namespace Aligner.Reliability.Tests;

/// <summary>
/// A tiny random Llama with the real GPT-2 tokenizer, saved in the Hugging Face layout, plus its ONNX and GGUF
/// exports: valid files to mutate, and a real model to load-test. Its output is gibberish; these tests check
/// behaviour, not quality.
/// </summary>
public sealed class TinyCorrectorFixture : IDisposable
{
    public TinyCorrectorFixture()
    {
        Root = Directory.CreateTempSubdirectory("aligner-reliability-").FullName;
        CheckpointFolder = Path.Combine(Root, "checkpoint");
        TorchRuntime.EnsureInitialized();
        var config = DecoderConfig.Create("llama", hiddenSize: 64, intermediateSize: 64, numHiddenLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 2, vocabSize: 50257)
            with { MaxPositionEmbeddings = 256, BosTokenId = 50256, EosTokenIds = [50256] };
        using (var model = CausalLanguageModel.CreateRandom(config, seed: 7))
            model.SaveCheckpoint(CheckpointFolder);
        TokenizerLoader.CreateGpt2().Save(CheckpointFolder);
        if (!File.Exists(Path.Combine(CheckpointFolder, "generation_config.json")))
            File.WriteAllText(Path.Combine(CheckpointFolder, "generation_config.json"), "{\"bos_token_id\": 50256, \"eos_token_id\": [50256]}");
        OnnxFolder = Path.Combine(Root, "onnx");
        OnnxExporter.Export(CheckpointFolder, OnnxFolder);
        GgufPath = Path.Combine(Root, "model.gguf");
        GgufExporter.Export(CheckpointFolder, GgufPath);
    }

    public string Root { get; }
    public string CheckpointFolder { get; }
    public string OnnxFolder { get; }
    public string GgufPath { get; }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class TinyCorrectorCollection : ICollectionFixture<TinyCorrectorFixture>
{
    public const string Name = "tiny corrector";
}
