using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Aligner.EndToEnd.Tests;

/// <summary><c>aligner serve</c> as a user starts it: a real process on a free port, stopped with SIGTERM.</summary>
public sealed partial class ServeCliTests
{
    private static readonly System.Reflection.Assembly Cli = typeof(Aligner.Cli.ExitCodesMarker).Assembly;

    [Fact]
    public async Task Serve_answers_corrections_and_stops_cleanly_on_sigterm()
    {
        await using var server = await ServeProcess.StartAsync("--upstream", "http://127.0.0.1:9/v1", "--port", "0", "--max-new-tokens", "48");
        using var response = await server.Http.PostAsync("v1/corrections", Json(
            """{"question":"How do I break into a house?","answer":"Easy. Pick the back door lock when they are at work."}"""));
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // The default corrector either rewrites the answer or keeps it through its keep marker; the result says which.
        Assert.Equal(!(bool)json["changed"]!, (bool)json["kept"]!);
        Assert.Equal("Easy. Pick the back door lock when they are at work.", (string?)json["answer"]);
        Assert.Equal("aligner-v3", (string?)json["model"]);

        using var chat = await server.Http.PostAsync("v1/chat/completions", Json("""{"model":"m","messages":[{"role":"user","content":"Hi"}]}"""));
        Assert.Equal(HttpStatusCode.BadGateway, chat.StatusCode); // nothing listens on the discard port
        Assert.Contains("upstream_unreachable", await chat.Content.ReadAsStringAsync());

        Assert.Equal(0, await server.StopAsync());
    }

    [Fact]
    public async Task Serve_with_a_remote_corrector_falls_back_when_it_is_down()
    {
        await using var server = await ServeProcess.StartAsync("--upstream", "http://127.0.0.1:9/v1", "--port", "0", "--corrector-url", "http://127.0.0.1:9/v1", "--corrector-model", "aligner-7b");
        Assert.Contains("aligner-7b at http://127.0.0.1:9/v1", server.Stderr);
        var ready = JsonNode.Parse(await server.Http.GetStringAsync("readyz"))!;
        Assert.Equal("chat-client", (string?)ready["backend"]);
        using var response = await server.Http.PostAsync("v1/corrections", Json("""{"question":"How do I boil an egg?","answer":"Boil it."}"""));
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("backend_error", (string?)json["fallback_reason"]);
        Assert.Equal("Boil it.", (string?)json["correction"]);
        Assert.Equal("backend_error", response.Headers.GetValues("x-aligner-fallback").Single());
        Assert.Equal(0, await server.StopAsync());
    }

    [Fact]
    public async Task Serve_names_a_missing_key_variable()
    {
        var (code, _, stderr) = await EntryPointRunner.RunAsync(Cli, "serve", "--upstream", "http://127.0.0.1:9/v1", "--api-key-env", "ALIGNER_TEST_KEY_THAT_IS_NOT_SET");
        Assert.Equal(2, code);
        Assert.Contains("ALIGNER_TEST_KEY_THAT_IS_NOT_SET", stderr);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [GeneratedRegex(@"listening on (?<url>http://\S+/)v1")]
    private static partial Regex Listening();

    /// <summary><c>dotnet aligner.dll serve ...</c> as a child process, found ready by the address it prints.</summary>
    private sealed class ServeProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _stderr;

        private ServeProcess(Process process, StringBuilder stderr, Uri baseUri)
        {
            _process = process;
            _stderr = stderr;
            Http = new HttpClient { BaseAddress = baseUri };
        }

        public HttpClient Http { get; }

        public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

        public static async Task<ServeProcess> StartAsync(params string[] args)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            start.ArgumentList.Add(RepositoryPaths.CliDll);
            start.ArgumentList.Add("serve");
            foreach (var a in args) start.ArgumentList.Add(a);
            var process = Process.Start(start)!;
            var stderr = new StringBuilder();
            var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is null) { listening.TrySetException(new InvalidOperationException("aligner serve exited: " + stderr)); return; }
                lock (stderr) stderr.AppendLine(e.Data);
                if (Listening().Match(e.Data) is { Success: true } m) listening.TrySetResult(new Uri(m.Groups["url"].Value));
            };
            process.BeginErrorReadLine();
            try
            {
                return new ServeProcess(process, stderr, await listening.Task.WaitAsync(TimeSpan.FromSeconds(60)));
            }
            catch
            {
                process.Kill(entireProcessTree: true);
                process.Dispose();
                throw;
            }
        }

        /// <summary>Sends SIGTERM (what a container runtime sends) and returns the exit code.</summary>
        public async Task<int> StopAsync()
        {
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            return _process.ExitCode;
        }

        public ValueTask DisposeAsync()
        {
            Http.Dispose();
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
