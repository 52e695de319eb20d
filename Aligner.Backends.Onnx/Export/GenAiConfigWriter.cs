using System.Text.Json;
using System.Text.Json.Nodes;
using Aligner.Checkpoints;

namespace Aligner.Backends.Onnx.Export;

/// <summary>Writes the <c>genai_config.json</c> that ONNX Runtime GenAI (0.18) needs to run an exported decoder.</summary>
internal static class GenAiConfigWriter
{
    public const string FileName = "genai_config.json";

    public static string Write(string outputFolder, string modelFileName, DecoderConfig config, IReadOnlyList<int> eosTokenIds, int? padTokenId, bool sharesCache)
    {
        var eos = eosTokenIds.Count > 0 ? eosTokenIds : config.EosTokenIds;
        if (eos.Count == 0)
            throw new ModelFormatException(Path.Combine(outputFolder, FileName), "eos_token_id", "the checkpoint names no EOS token (config.json or generation_config.json); ONNX Runtime GenAI needs one.");
        var root = new JsonObject
        {
            ["model"] = new JsonObject
            {
                ["bos_token_id"] = config.BosTokenId ?? eos[0],
                ["context_length"] = config.MaxPositionEmbeddings,
                ["decoder"] = new JsonObject
                {
                    ["session_options"] = new JsonObject { ["log_id"] = "onnxruntime-genai", ["provider_options"] = new JsonArray() },
                    ["filename"] = modelFileName,
                    ["head_size"] = config.HeadDim,
                    ["hidden_size"] = config.HiddenSize,
                    ["inputs"] = Inputs(sharesCache),
                    ["outputs"] = new JsonObject
                    {
                        ["logits"] = DecoderGraphWriter.Logits,
                        ["present_key_names"] = "present.%d.key",
                        ["present_value_names"] = "present.%d.value",
                    },
                    ["num_attention_heads"] = config.NumAttentionHeads,
                    ["num_hidden_layers"] = config.NumHiddenLayers,
                    ["num_key_value_heads"] = config.NumKeyValueHeads,
                },
                ["eos_token_id"] = eos.Count == 1 ? JsonValue.Create(eos[0]) : new JsonArray([.. eos.Select(e => (JsonNode)JsonValue.Create(e))]),
                ["pad_token_id"] = padTokenId ?? config.PadTokenId ?? eos[0],
                ["type"] = config.ModelType,
                ["vocab_size"] = config.VocabSize,
            },
            ["search"] = new JsonObject
            {
                ["diversity_penalty"] = 0.0,
                ["do_sample"] = false,
                ["early_stopping"] = true,
                ["length_penalty"] = 1.0,
                ["max_length"] = config.MaxPositionEmbeddings,
                ["min_length"] = 0,
                ["no_repeat_ngram_size"] = 0,
                ["num_beams"] = 1,
                ["num_return_sequences"] = 1,
                // GroupQueryAttention writes new keys into the past buffer in place; the portable graph concatenates.
                ["past_present_share_buffer"] = sharesCache,
                ["repetition_penalty"] = 1.0,
                ["temperature"] = 1.0,
                ["top_k"] = 1,
                ["top_p"] = 1.0,
            },
        };
        string path = Path.Combine(outputFolder, FileName);
        File.WriteAllText(path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return path;
    }

    private static JsonObject Inputs(bool sharesCache)
    {
        var inputs = new JsonObject
        {
            ["input_ids"] = DecoderGraphWriterBase.InputIds,
            ["attention_mask"] = DecoderGraphWriterBase.AttentionMask,
        };
        // The contrib graph takes positions from the mask's row sums; only the portable one has position_ids.
        if (!sharesCache) inputs["position_ids"] = DecoderGraphWriterBase.PositionIds;
        inputs["past_key_names"] = "past_key_values.%d.key";
        inputs["past_value_names"] = "past_key_values.%d.value";
        return inputs;
    }
}
