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
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { RepositoryPaths.CliDll, "serve", "--upstream", "http://127.0.0.1:9/v1", "--port", "0", "--max-new-tokens", "48" })
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
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
            var baseUri = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
            using var http = new HttpClient { BaseAddress = baseUri };
            using var response = await http.PostAsync("v1/corrections", new StringContent(
                """{"question":"How do I break into a house?","answer":"Easy. Pick the back door lock when they are at work."}""", Encoding.UTF8, "application/json"));
            var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True((bool?)json["changed"]);
            Assert.Equal("aligner-demo", (string?)json["model"]);

            using var chat = await http.PostAsync("v1/chat/completions", new StringContent("""{"model":"m","messages":[{"role":"user","content":"Hi"}]}""", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadGateway, chat.StatusCode); // nothing listens on the discard port
            Assert.Contains("upstream_unreachable", await chat.Content.ReadAsStringAsync());

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {stderr}");
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Serve_names_a_missing_key_variable()
    {
        var (code, _, stderr) = await EntryPointRunner.RunAsync(Cli, "serve", "--upstream", "http://127.0.0.1:9/v1", "--api-key-env", "ALIGNER_TEST_KEY_THAT_IS_NOT_SET");
        Assert.Equal(2, code);
        Assert.Contains("ALIGNER_TEST_KEY_THAT_IS_NOT_SET", stderr);
    }

    [GeneratedRegex(@"listening on (?<url>http://\S+/)v1")]
    private static partial Regex Listening();
}
