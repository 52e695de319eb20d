using Aligner.Backends.Torch.Modeling;
using Aligner.Checkpoints;
using Aligner.Tokenization;

namespace Aligner.Backends.Torch.Tests;

/// <summary>A tiny random Llama with the GPT-2 vocabulary, saved with its tokenizer as a Hugging Face folder.</summary>
public sealed class TinyCheckpointFixture : IDisposable
{
    private readonly TempFolder _folder = new();

    public TinyCheckpointFixture()
    {
        TorchRuntime.EnsureInitialized();
        var tokenizer = TokenizerLoader.CreateGpt2();
        var config = DecoderConfig.Create("llama", 16, 32, 2, 2, 1, tokenizer.VocabularySize) with
        {
            MaxPositionEmbeddings = 256, EosTokenIds = [tokenizer.EosTokenId!.Value], BosTokenId = tokenizer.BosTokenId,
        };
        using (var model = CausalLanguageModel.CreateRandom(config, seed: 5))
        {
            // A larger init than HF's 0.02 so that sampling has real choices and the model rarely says EOS.
            using var noGrad = TorchSharp.torch.no_grad();
            foreach (var p in model.parameters()) if (p.dim() == 2) p.mul_(25);
            model.SaveCheckpoint(_folder.Path);
        }
        tokenizer.Save(_folder.Path);
        new GenerationConfig { EosTokenIds = [tokenizer.EosTokenId!.Value] }.Save(Path.Combine(_folder.Path, GenerationConfig.FileName));
    }

    public string Folder => _folder.Path;

    public void Dispose() => _folder.Dispose();
}
