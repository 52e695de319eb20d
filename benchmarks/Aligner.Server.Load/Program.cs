// Load benchmark of `aligner serve`: concurrent OpenAI-format clients → the correcting proxy (real corrector) → a
// loopback upstream, all in this process over real sockets. Reports throughput, latency percentiles, errors, 429s
// under overload and memory before/after. Usage:
//   dotnet run -c Release --project benchmarks/Aligner.Server.Load -- [--clients 64] [--requests 2000]
//       [--overload-requests 512] [--stream-every 4] [--max-new-tokens 64] [--model <checkpoint>] [--out <file.md>]
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Aligner;
using Aligner.Server;
using Aligner.Server.Testing;
using Microsoft.Extensions.DependencyInjection;

var settings = Settings.Parse(args);
var rows = File.ReadLines(Path.Combine(settings.Root, "samples", "data", "aligner-demo", "test.jsonl"))
    .Select(l => JsonNode.Parse(l)!).Select(n => ((string)n["question"]!, (string)n["answer"]!)).Take(200).ToArray();
var answers = rows.GroupBy(r => r.Item1).ToDictionary(g => g.Key, g => g.First().Item2);

await using var upstream = await FakeUpstream.StartAsync();
upstream.Record = false;
upstream.Answer = q => answers.TryGetValue(q, out var a) ? a : "I do not know.";

var report = new StringBuilder();
void Print(string line) { Console.WriteLine(line); report.AppendLine(line); }
Print($"# aligner serve load benchmark ({DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, corrector {Path.GetFileName(settings.Model)} torch, greedy, max {settings.MaxNewTokens} new tokens)");
Print("");
Print($"Clients, proxy and upstream share this process and its cores. Every {settings.StreamEvery}th request streams.");
Print("");
Print("| phase | proxy limits (running / queued) | requests | clients | wall s | req/s | p50 ms | p99 ms | 200 | 429 | errors | GC heap MB before → after | working set MB before → after |");
Print("|---|---|---|---|---|---|---|---|---|---|---|---|---|");

await RunPhase("steady", new ProxyServerOptions { Upstream = upstream.BaseUri, Port = 0 }, settings.Requests);
await RunPhase("overload", new ProxyServerOptions { Upstream = upstream.BaseUri, Port = 0, MaxConcurrentRequests = 2, MaxQueuedRequests = 8 }, settings.OverloadRequests);

if (settings.Out is { } outFile) await File.WriteAllTextAsync(outFile, report.ToString());
return;

async Task RunPhase(string name, ProxyServerOptions options, int requests)
{
    await using var app = AlignerProxyServer.Create(options, b => b.AddTorchBackend(settings.Model),
        o => o.Generation = GenerationOptions.Greedy with { MaxNewTokens = settings.MaxNewTokens }, logging => { });
    await app.StartAsync();
    _ = app.Services.GetRequiredService<IAligner>();
    var baseUri = AlignerProxyServer.ListeningUri(app);
    using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = settings.Clients }) { BaseAddress = baseUri, Timeout = TimeSpan.FromMinutes(10) };

    // Warm-up: load paths, JIT, connection pool.
    await Task.WhenAll(Enumerable.Range(0, Math.Min(settings.Clients, 16)).Select(i => Send(http, i)));
    var (heapBefore, setBefore) = Memory();

    var latencies = new double[requests];
    var statuses = new int[requests];
    int next = -1;
    var wall = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, settings.Clients).Select(async _ =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < requests)
        {
            long start = Stopwatch.GetTimestamp();
            statuses[i] = await Send(http, i);
            latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
    }));
    wall.Stop();
    var (heapAfter, setAfter) = Memory();

    var ok = Enumerable.Range(0, requests).Where(i => statuses[i] == 200).Select(i => latencies[i]).Order().ToArray();
    int rejected = statuses.Count(s => s == 429);
    int errors = requests - ok.Length - rejected;
    string Ms(double q) => ok.Length == 0 ? "—" : ok[Math.Min(ok.Length - 1, (int)Math.Ceiling(q * ok.Length) - 1)].ToString("F0", CultureInfo.InvariantCulture);
    Print(string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {options.MaxConcurrentRequests} / {options.MaxQueuedRequests} | {requests} | {settings.Clients} | {wall.Elapsed.TotalSeconds:F1} | {ok.Length / wall.Elapsed.TotalSeconds:F1} | {Ms(0.50)} | {Ms(0.99)} | {ok.Length} | {rejected} | {errors} | {heapBefore:F0} → {heapAfter:F0} | {setBefore:F0} → {setAfter:F0} |"));
}

async Task<int> Send(HttpClient http, int i)
{
    var (question, _) = rows[i % rows.Length];
    bool stream = settings.StreamEvery > 0 && i % settings.StreamEvery == 0;
    var body = new JsonObject
    {
        ["model"] = "gpt-test",
        ["stream"] = stream,
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = question }),
    };
    try
    {
        using var response = await http.PostAsync("/v1/chat/completions", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode == HttpStatusCode.OK && stream && !text.EndsWith("data: [DONE]\n\n", StringComparison.Ordinal)) return -1;
        if (response.StatusCode == HttpStatusCode.OK && !response.Headers.Contains("x-aligner-changed")) return -2;
        return (int)response.StatusCode;
    }
    catch (HttpRequestException)
    {
        return -3;
    }
}

static (double HeapMb, double WorkingSetMb) Memory()
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    GC.Collect();
    using var process = Process.GetCurrentProcess();
    return (GC.GetTotalMemory(forceFullCollection: true) / 1048576.0, process.WorkingSet64 / 1048576.0);
}

internal sealed record Settings(string Root, string Model, int Clients, int Requests, int OverloadRequests, int StreamEvery, int MaxNewTokens, string? Out)
{
    public static Settings Parse(string[] args)
    {
        string? Value(string name)
        {
            int i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }
        int Int(string name, int fallback) => Value(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        var root = FindRoot();
        return new Settings(root, Value("--model") ?? Path.Combine(root, "samples", "models", "aligner-demo"),
            Int("--clients", 64), Int("--requests", 2000), Int("--overload-requests", 512), Int("--stream-every", 4), Int("--max-new-tokens", 64), Value("--out"));
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Aligner.sln"))) return dir.FullName;
        throw new InvalidOperationException("Aligner.sln not found above " + AppContext.BaseDirectory);
    }
}
