using Aligner.Checkpoints;
using Aligner.Tokenization;

namespace Aligner.Backends.Onnx.Tests;

/// <summary>Tiny checkpoints with the GPT-2 tokenizer, exported once per test class that asks.</summary>
internal static class ExportedModels
{
    /// <summary>A checkpoint folder of <paramref name="modelType"/> with GPT-2's vocabulary and tokenizer files.</summary>
    public static string WriteCheckpointWithTokenizer(string folder, string modelType, int seed)
    {
        var gpt2 = TokenizerLoader.CreateGpt2();
        var config = TinyCheckpoint.Config(modelType) with
        {
            VocabSize = gpt2.VocabularySize,
            EosTokenIds = [gpt2.EosTokenId!.Value],
            BosTokenId = gpt2.BosTokenId,
            PadTokenId = gpt2.PadTokenId,
        };
        TinyCheckpoint.Write(config, seed, folder);
        gpt2.Save(folder);
        return folder;
    }
}
