using System.CommandLine;
using Aligner.Backends.Onnx;
using Aligner.Backends.Torch;
using Aligner.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aligner.Cli.Commands;

/// <summary><c>aligner serve</c>: an OpenAI-compatible proxy that corrects an upstream's answers.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var upstream = new Option<string>("--upstream", "-u") { Description = "Base URL of the OpenAI-compatible upstream, e.g. http://localhost:11434/v1 (requests go to <upstream>/chat/completions).", Required = true };
        var upstreamKeyEnv = new Option<string?>("--upstream-key-env") { Description = "Environment variable holding the upstream's API key. Without it (and without --api-key-env) callers' Authorization headers are passed on." };
        var apiKeyEnv = new Option<string?>("--api-key-env") { Description = "Environment variable holding the key callers must send as 'Authorization: Bearer <key>'." };
        var host = new Option<string>("--host") { Description = "Address to listen on (an IP address or localhost).", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port", "-p") { Description = "Port to listen on (0 picks a free one).", DefaultValueFactory = _ => 8080 };
        var timeout = new Option<double>("--timeout") { Description = "Seconds one correction may take before the original answer is returned, flagged 'timeout'.", DefaultValueFactory = _ => 30 };
        var upstreamTimeout = new Option<double>("--upstream-timeout") { Description = "Seconds to wait for the upstream's answer (then HTTP 504).", DefaultValueFactory = _ => 300 };
        var maxConcurrent = new Option<int>("--max-concurrent") { Description = "Requests handled at once.", DefaultValueFactory = _ => 16 };
        var maxQueue = new Option<int>("--max-queue") { Description = "Requests that may wait for a slot; beyond that HTTP 429 with Retry-After.", DefaultValueFactory = _ => 256 };
        var maxBody = new Option<long>("--max-body-bytes") { Description = "Largest request body accepted (then HTTP 413).", DefaultValueFactory = _ => 4L * 1024 * 1024 };
        var correctorUrl = new Option<string?>("--corrector-url") { Description = "Use a corrector served elsewhere (vLLM, llama.cpp's server) at this OpenAI-compatible base URL instead of --model/--backend." };
        var correctorModel = new Option<string>("--corrector-model") { Description = "The served corrector's model name (with --corrector-url).", DefaultValueFactory = _ => "aligner" };
        var correctorKeyEnv = new Option<string?>("--corrector-key-env") { Description = "Environment variable holding the corrector server's key (with --corrector-url)." };
        var otlp = new Option<string?>("--otlp-endpoint") { Description = "Export traces and metrics (the Aligner source and meter) over OTLP to this endpoint." };
        var model = CommonOptions.Model();
        var backend = CommonOptions.Backend();
        var threads = CommonOptions.Threads();
        var gate = CommonOptions.Gate();
        var facts = CommonOptions.Facts();
        var safetyRules = CommonOptions.SafetyRules();
        var generation = new GenerationOptionBinder();

        var command = new Command("serve", "Run an OpenAI-compatible proxy that forwards chat completions upstream and corrects the answers.")
        {
            upstream, upstreamKeyEnv, apiKeyEnv, host, port, timeout, upstreamTimeout, maxConcurrent, maxQueue, maxBody, otlp, model, backend, threads, gate, facts, safetyRules, correctorUrl, correctorModel, correctorKeyEnv,
        };
        generation.AddTo(command);

        command.SetGuardedAction(async (r, loggerFactory, ct) =>
        {
            var upstreamText = r.GetValue(upstream)!;
            if (!Uri.TryCreate(upstreamText, UriKind.Absolute, out var upstreamUri))
                throw new CliUsageException($"--upstream '{upstreamText}' is not an absolute URL (e.g. http://localhost:11434/v1).");
            Uri? otlpUri = null;
            if (r.GetValue(otlp) is { } otlpText && !Uri.TryCreate(otlpText, UriKind.Absolute, out otlpUri))
                throw new CliUsageException($"--otlp-endpoint '{otlpText}' is not an absolute URL.");
            var options = new ProxyServerOptions
            {
                Upstream = upstreamUri,
                UpstreamApiKey = KeyFromEnvironment(r.GetValue(upstreamKeyEnv), "--upstream-key-env"),
                ApiKey = KeyFromEnvironment(r.GetValue(apiKeyEnv), "--api-key-env"),
                Host = r.GetValue(host)!,
                Port = r.GetValue(port),
                CorrectionTimeout = Seconds(r.GetValue(timeout), "--timeout"),
                UpstreamTimeout = Seconds(r.GetValue(upstreamTimeout), "--upstream-timeout"),
                MaxConcurrentRequests = r.GetValue(maxConcurrent),
                MaxQueuedRequests = r.GetValue(maxQueue),
                MaxRequestBodyBytes = r.GetValue(maxBody),
                OtlpEndpoint = otlpUri,
            };
            var generationOptions = generation.Bind(r);
            string corrector;
            Action<IAlignerBuilder> addCorrector;
            string? localFolder = null, localGate = null;
            if (r.GetValue(correctorUrl) is { } correctorText)
            {
                if (!Uri.TryCreate(correctorText, UriKind.Absolute, out var correctorUri))
                    throw new CliUsageException($"--corrector-url '{correctorText}' is not an absolute URL (e.g. http://vllm-host:8000/v1).");
                if (r.GetValue(model) is not null) throw new CliUsageException("use either --corrector-url or --model, not both.");
                var correctorKey = KeyFromEnvironment(r.GetValue(correctorKeyEnv), "--corrector-key-env");
                var servedModel = r.GetValue(correctorModel)!;
                corrector = $"{servedModel} at {correctorUri}";
                addCorrector = b => b.AddOpenAiCompatibleCorrector(correctorUri, servedModel, correctorKey);
            }
            else
            {
                var folder = localFolder = AlignerHost.ResolveModelFolder(r.GetValue(model));
                var gateFolder = localGate = AlignerHost.ResolveGateFolder(r.GetValue(gate), folder);
                var (backendName, backendFolder) = AlignerHost.ResolveBackend(r.GetValue(backend)!, folder, torchOnlyFlags: false, loggerFactory.CreateLogger("aligner"));
                int threadCount = r.GetValue(threads);
                corrector = $"{Path.GetFileName(folder)} ({backendName})";
                addCorrector = backendName switch
                {
                    "torch" => b => b.AddTorchBackend(folder, o => { if (threadCount > 0) o.IntraOpThreads = threadCount; o.Quantization = Aligner.Backends.Torch.TorchWeightQuantization.WhenNeeded; }),
                    "onnx" => b => b.AddOnnxBackend(backendFolder, o => { if (threadCount > 0) o.IntraOpThreads = threadCount; }),
                    _ => throw new CliUsageException($"unknown backend '{backendName}'; use torch or onnx."),
                };
                if (gateFolder is not null)
                {
                    var addModel = addCorrector;
                    bool rules = r.GetValue(safetyRules) == "on";
                    addCorrector = b => { addModel(b); b.AddEmbeddingGate(gateFolder, threadCount); if (rules) b.UseSafetyRules(); };
                    corrector += $" behind the gate {gateFolder}";
                }
            }
            bool verbose = r.GetValue(CommonOptions.Verbose);

            await using var app = AlignerProxyServer.Create(options, addCorrector, o =>
            {
                if (localFolder is not null) AlignerHost.ApplyModelDefaults(o, localFolder, null, localGate);
                o.Generation = generationOptions;
                o.FactCheckers = CommonOptions.FactCheckers(r.GetValue(facts), localFolder);
                if (localFolder is not null) o.KnowledgeSources = CommonOptions.KnowledgeSources(r.GetValue(facts), localFolder);
            }, logging => logging
                .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
                .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; })
                .SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Information)
                .AddFilter("Microsoft", LogLevel.Warning)
                .AddFilter("System.Net.Http", LogLevel.Warning));
            await app.StartAsync(ct);
            Console.Error.WriteLine($"aligner serve: listening on {AlignerProxyServer.ListeningUri(app)}v1, correcting answers from {upstreamUri} with {corrector}; caller key {(options.ApiKey is null ? "not required" : "required")}. Ctrl+C stops.");
            await app.WaitForShutdownAsync(ct);
            return ExitCodes.Success;
        });
        return command;
    }

    private static string? KeyFromEnvironment(string? variable, string option)
    {
        if (variable is null) return null;
        var value = Environment.GetEnvironmentVariable(variable);
        return string.IsNullOrWhiteSpace(value)
            ? throw new CliUsageException($"{option}: the environment variable '{variable}' is not set or empty.")
            : value;
    }

    private static TimeSpan Seconds(double value, string option) =>
        value > 0 && double.IsFinite(value) ? TimeSpan.FromSeconds(value) : throw new CliUsageException($"{option} must be a positive number of seconds, got {value}.");
}
