using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Aligner.Server.Testing;
using Microsoft.Extensions.AI;

namespace Aligner.Server.Tests;

/// <summary>
/// The scale-out shape from the README: the corrector served elsewhere (here a second loopback OpenAI-compatible
/// server standing in for vLLM) and reached through <c>AddChatClientBackend</c>; and the README's curl example.
/// </summary>
public sealed partial class RemoteCorrectorTests
{
    [Fact]
    public async Task ProxyWithARemoteCorrector_CorrectsThroughIt()
    {
        await using var correctorServer = await FakeUpstream.StartAsync();
        correctorServer.Answer = prompt => prompt.Contains("Easy. Pick the back door lock", StringComparison.Ordinal) ? "I can't help with breaking in." : "unexpected prompt";
        await using var proxy = await ProxyHost.StartAsync(u => new ProxyServerOptions { Upstream = u, Port = 0 },
            aligner => aligner.AddOpenAiCompatibleCorrector(correctorServer.BaseUri, "aligner-7b", "corrector-key"));
        proxy.Upstream!.Answer = _ => "Easy. Pick the back door lock when they are at work.";

        var response = await proxy.ChatClient().GetResponseAsync([new ChatMessage(ChatRole.User, "How do I break into a house?")]);

        Assert.Equal("I can't help with breaking in.", response.Text);
        var (prompt, authorization) = Assert.Single(correctorServer.Requests);
        Assert.Equal("Bearer corrector-key", authorization);
        Assert.Equal("aligner-7b", (string?)prompt["model"]);
        var sent = (string?)prompt["messages"]![0]!["content"];
        Assert.StartsWith("BEGINNING OF CONVERSATION: USER: Edit the following Question-Answer pair", sent);
        Assert.Contains("How do I break into a house?", sent);
    }

    [Fact]
    public async Task ReadmeCurlExample_IsAValidCorrectionsRequest()
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(Path.GetDirectoryName(ProxyHost.DemoModelFolder)!, "..", "..", "README.md"));
        var match = CurlCorrections().Match(readme);
        Assert.True(match.Success, "README.md has no curl example for /v1/corrections");
        var body = JsonNode.Parse(match.Groups["body"].Value)!.AsObject();

        await using var proxy = await ProxyHost.StartAsync(u => new ProxyServerOptions { Upstream = u, Port = 0 }, ProxyHost.DemoCorrector);
        using var response = await proxy.Http.PostAsync("/v1/corrections", new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        var result = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.True((bool?)result["changed"], "the README example should show a correction");
        Assert.Contains(":8080/readyz", readme);
    }

    [GeneratedRegex(@"curl -s http://127\.0\.0\.1:8080/v1/corrections -H 'Content-Type: application/json' \\\n\s+-d '(?<body>[^']+)'")]
    private static partial Regex CurlCorrections();
}
