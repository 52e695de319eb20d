using Aligner.Backends.Torch;
using Aligner.Backends.Torch.Modeling;
using Aligner.Checkpoints;
using Aligner.Tokenization;

namespace Aligner.Training.Tests.WeakToStrong;

/// <summary>Writes a tiny random Llama checkpoint with the GPT-2 tokenizer into a folder (a stand-in strong model).</summary>
internal static class TinyInstructionModel
{
    public static string Create(string folder, long seed = 7)
    {
        TorchRuntime.EnsureInitialized();
        var tokenizer = TokenizerLoader.CreateGpt2();
        var config = DecoderConfig.Create("llama", 32, 64, 2, 4, 2, tokenizer.VocabularySize) with
        {
            MaxPositionEmbeddings = 256,
            EosTokenIds = [tokenizer.EosTokenId!.Value],
            BosTokenId = tokenizer.BosTokenId,
        };
        using var model = CausalLanguageModel.CreateRandom(config, seed);
        model.SaveCheckpoint(folder);
        tokenizer.Save(folder);
        return folder;
    }
}
