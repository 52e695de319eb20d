using Aligner.Generation;
using Microsoft.Extensions.DependencyInjection;

namespace Aligner.Backends.Onnx.Tests;

public sealed class OnnxCorrectionModelTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly string _onnx;

    public OnnxCorrectionModelTests()
    {
        var checkpoint = ExportedModels.WriteCheckpointWithTokenizer(_temp.Sub("ckpt"), "llama", seed: 7);
        _onnx = _temp.Sub("onnx");
        OnnxExporter.Export(checkpoint, _onnx);
    }

    public void Dispose() => _temp.Dispose();

    private static readonly GenerationOptions Greedy = GenerationOptions.Greedy with { MaxNewTokens = 12 };
    private static readonly CorrectionPrompt[] Prompts =
    [
        CorrectionPrompt.FromUntrustedText("BEGINNING OF CONVERSATION: USER: Edit the following Question-Answer pair: why? | because ASSISTANT:"),
        CorrectionPrompt.FromUntrustedText("Hello"),
        CorrectionPrompt.FromUntrustedText("The quick brown fox jumps over the lazy dog, twice."),
    ];

    [Fact]
    public async Task Batched_left_padded_generation_equals_one_prompt_at_a_time()
    {
        using var model = OnnxCorrectionModel.Load(_onnx);
        var batch = await model.GenerateBatchAsync(Prompts, Greedy);
        for (int i = 0; i < Prompts.Length; i++)
        {
            var single = await model.GenerateAsync(Prompts[i], Greedy);
            Assert.Equal(single.Text, batch[i].Text);
            Assert.Equal(single.GeneratedTokens, batch[i].GeneratedTokens);
        }
        Assert.Contains(batch, r => r.GeneratedTokens > 1);
    }

    [Fact]
    public async Task Streaming_deltas_add_up_to_the_final_text()
    {
        using var model = OnnxCorrectionModel.Load(_onnx);
        var expected = await model.GenerateAsync(Prompts[0], Greedy);
        var text = new System.Text.StringBuilder();
        GenerationResult? final = null;
        await foreach (var update in ((ICorrectionModel)model).GenerateStreamingAsync(Prompts[0], Greedy))
        {
            text.Append(update.TextDelta);
            final ??= update.Final;
        }
        Assert.Equal(expected.Text, text.ToString());
        Assert.Equal(expected.Text, final!.Text);
    }

    [Fact]
    public async Task One_model_serves_concurrent_requests_with_the_results_of_sequential_ones()
    {
        using var model = OnnxCorrectionModel.Load(_onnx, new OnnxBackendOptions { IntraOpThreads = 1 });
        var sampled = Greedy with { Temperature = 0.8f, TopK = 20, TopP = 0.9f, Seed = 11 };
        var expected = new List<string>();
        foreach (var p in Prompts) expected.Add((await model.GenerateAsync(p, sampled)).Text);
        var tasks = Enumerable.Range(0, 12).Select(i => Task.Run(() => model.GenerateAsync(Prompts[i % Prompts.Length], sampled))).ToArray();
        var results = await Task.WhenAll(tasks);
        for (int i = 0; i < results.Length; i++) Assert.Equal(expected[i % Prompts.Length], results[i].Text);
    }

    [Fact]
    public async Task A_cancelled_request_throws_and_the_model_keeps_working()
    {
        using var model = OnnxCorrectionModel.Load(_onnx);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ((ICorrectionModel)model).GenerateAsync(Prompts[0], Greedy, cts.Token));
        var after = await model.GenerateAsync(Prompts[0], Greedy);
        Assert.True(after.GeneratedTokens > 0);
    }

    [Fact]
    public async Task AddOnnxBackend_registers_the_exported_folder_as_the_correction_model()
    {
        var services = new ServiceCollection();
        new Builder(services).AddOnnxBackend(_onnx, o => o.IntraOpThreads = 1);
        await using var provider = services.BuildServiceProvider();
        var model = provider.GetRequiredService<ICorrectionModel>();
        Assert.Equal("onnx", model.Info.Backend);
        Assert.Equal(128, model.Info.ContextLength);
        using var direct = OnnxCorrectionModel.Load(_onnx);
        Assert.Equal((await direct.GenerateAsync(Prompts[2], Greedy)).Text, (await model.GenerateAsync(Prompts[2], Greedy)).Text);
    }

    [Fact]
    public void A_cuda_request_runs_on_cuda_or_is_refused_unless_the_cpu_fallback_is_allowed()
    {
        var log = new ListLogger();
        OnnxDecoderModel? model = null;
        try
        {
            model = OnnxDecoderModel.Load(_onnx, new OnnxBackendOptions { Device = "cuda" }, log);
            Assert.Equal(OnnxExecutionProvider.Cuda, model.ExecutionProvider);
        }
        catch (OnnxExecutionProviderException e)
        {
            // No CUDA here: the load names the device and the way out, and nothing ran on the CPU unasked.
            Assert.Contains("'cuda'", e.Message);
            Assert.Contains(nameof(OnnxBackendOptions.FallBackToCpu), e.Message);
        }
        finally { model?.Dispose(); }

        using var fallback = OnnxDecoderModel.Load(_onnx, new OnnxBackendOptions { Device = "cuda", FallBackToCpu = true }, log);
        if (fallback.ExecutionProvider == OnnxExecutionProvider.Cpu)
            Assert.Contains(log.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning && e.Message.Contains("CUDA") && e.Message.Contains("CPU"));
        else
            Assert.DoesNotContain(log.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning);
        using var session = fallback.StartSession(1, 4);
        var logits = new float[fallback.VocabularySize];
        session.Prefill([1, 2], [1, 1], 2, logits);
        session.Step([3], logits);
        Assert.Contains(logits, v => v != 0);
    }

    [Fact]
    public async Task A_folder_laid_out_by_hugging_face_optimum_loads_from_config_json()
    {
        // Optimum leaves config.json and generation_config.json beside model.onnx, and no genai_config.json.
        File.Delete(Path.Combine(_onnx, "genai_config.json"));
        var path = Path.Combine(_onnx, "config.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"max_position_embeddings\": 128", "\"max_position_embeddings\": 96"));
        using var model = OnnxCorrectionModel.Load(_onnx);
        Assert.Equal(96, model.Info.ContextLength);
        Assert.Equal([model.Tokenizer.EosTokenId!.Value], model.Decoder.EosTokenIds);
        using var overridden = OnnxCorrectionModel.Load(_onnx, new OnnxBackendOptions { ContextLength = 100 });
        Assert.Equal(100, overridden.Info.ContextLength);
        Assert.Equal((await overridden.GenerateAsync(Prompts[1], Greedy)).Text, (await model.GenerateAsync(Prompts[1], Greedy)).Text);
    }

    private sealed class Builder(IServiceCollection services) : IAlignerBuilder
    {
        public IServiceCollection Services { get; } = services;
        public string? Name => null;
    }
}
