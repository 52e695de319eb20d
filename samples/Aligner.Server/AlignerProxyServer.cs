using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Aligner.Server;

/// <summary>
/// Builds the correcting proxy: an OpenAI-compatible server that forwards chat completions to an upstream and
/// corrects the final assistant answer with an aligner (<c>aligner serve</c>).
/// </summary>
/// <remarks>
/// Routes: <c>POST /v1/chat/completions</c> (streaming and not), <c>POST /v1/corrections</c>, <c>GET /v1/models</c>
/// (the upstream's), <c>GET /healthz</c> (alive), <c>GET /readyz</c> (corrector loaded). Every response carries
/// <c>x-aligner-changed</c> (<c>true</c>/<c>false</c>) and <c>x-aligner-fallback</c> (<c>none</c>; <c>skipped</c> when
/// there was nothing to correct; the pipeline's fallback reason such as <c>timeout</c>, when the original answer was
/// returned; <c>error</c> on error answers). Errors are OpenAI-style bodies.
/// </remarks>
public static class AlignerProxyServer
{
    /// <summary>
    /// Builds the server (not started: call <c>StartAsync</c> or <c>RunAsync</c>).
    /// </summary>
    /// <param name="options">Upstream, listening address, keys and limits (validated now).</param>
    /// <param name="addCorrector">Registers the corrector on the aligner, e.g. <c>b =&gt; b.AddTorchBackend(folder)</c>
    /// or <c>b =&gt; b.AddChatClientBackend(client)</c> for a corrector served elsewhere.</param>
    /// <param name="configureAligner">Adjusts the pipeline after the proxy's defaults (its <see cref="AlignerOptions.Timeout"/>
    /// is <see cref="ProxyServerOptions.CorrectionTimeout"/>).</param>
    /// <param name="configureLogging">Sets up logging; <see langword="null"/> logs warnings and above to the console.</param>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public static WebApplication Create(ProxyServerOptions options, Action<IAlignerBuilder> addCorrector,
        Action<AlignerOptions>? configureAligner = null, Action<ILoggingBuilder>? configureLogging = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(addCorrector);
        options.Validate();
        var listen = ParseHost(options.Host);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(AlignerProxyServer).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        if (configureLogging is not null) configureLogging(builder.Logging);
        else builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            k.AddServerHeader = false;
            if (listen is null) k.ListenLocalhost(options.Port);
            else k.Listen(listen, options.Port);
        });

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<UpstreamClient>();
        builder.Services.AddSingleton<RequestQueue>();
        builder.Services.AddSingleton<ProxyHandlers>();
        builder.Services.AddSingleton<CorrectorReadiness>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CorrectorReadiness>());
        addCorrector(builder.Services.AddAligner(o =>
        {
            o.Timeout = options.CorrectionTimeout;
            configureAligner?.Invoke(o);
        }));
        if (options.OtlpEndpoint is { } endpoint) AddOpenTelemetry(builder.Services, endpoint);

        var app = builder.Build();
        var handlers = app.Services.GetRequiredService<ProxyHandlers>();
        var readiness = app.Services.GetRequiredService<CorrectorReadiness>();
        var keyCheck = options.ApiKey is { } key ? new ApiKeyCheck(key) : null;

        app.Use(async (context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                if (!headers.ContainsKey(OpenAiJson.ChangedHeader)) headers[OpenAiJson.ChangedHeader] = "false";
                if (!headers.ContainsKey(OpenAiJson.FallbackHeader)) headers[OpenAiJson.FallbackHeader] = context.Response.StatusCode < 400 ? "skipped" : "error";
                return Task.CompletedTask;
            });
            if (keyCheck is not null && context.Request.Path.StartsWithSegments("/v1") && !keyCheck.Allows(context.Request.Headers.Authorization.ToString()))
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
                await OpenAiJson.WriteErrorAsync(context, new ProxyException(401, "invalid_request_error", "invalid_api_key",
                    "Missing or wrong API key: send it as 'Authorization: Bearer <key>'.")).ConfigureAwait(false);
                return;
            }
            await next(context).ConfigureAwait(false);
        });

        app.MapPost("/v1/chat/completions", handlers.ChatCompletionsAsync);
        app.MapPost("/v1/corrections", handlers.CorrectionsAsync);
        app.MapGet("/v1/models", handlers.ModelsAsync);
        app.MapGet("/healthz", context => WriteStatusAsync(context, 200, new JsonObject { ["status"] = "ok" }));
        app.MapGet("/readyz", context => readiness.Model is { } model
            ? WriteStatusAsync(context, 200, new JsonObject { ["status"] = "ready", ["model"] = model.ModelId, ["backend"] = model.Backend })
            : WriteStatusAsync(context, 503, new JsonObject { ["status"] = readiness.Error is null ? "loading" : "failed", ["error"] = readiness.Error }));
        app.MapFallback(context => OpenAiJson.WriteErrorAsync(context, new ProxyException(404, "invalid_request_error", "unknown_path",
            $"No route {context.Request.Method} {context.Request.Path}: the proxy serves POST /v1/chat/completions, POST /v1/corrections, GET /v1/models, /healthz and /readyz.")));
        return app;
    }

    /// <summary>The address a started server listens on (with the port picked when <see cref="ProxyServerOptions.Port"/> was 0).</summary>
    public static Uri ListeningUri(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        var first = addresses?.FirstOrDefault() ?? throw new InvalidOperationException("The server is not started.");
        return new Uri(first);
    }

    private static IPAddress? ParseHost(string host)
    {
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)) return null;
        return IPAddress.TryParse(host.Trim('[', ']'), out var address)
            ? address
            : throw new ArgumentException($"{nameof(ProxyServerOptions.Host)} must be an IP address (e.g. 127.0.0.1, 0.0.0.0, ::) or localhost, got '{host}'.", nameof(ProxyServerOptions.Host));
    }

    private static void AddOpenTelemetry(IServiceCollection services, Uri endpoint)
    {
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("aligner-serve"))
            .WithTracing(t => t.AddSource(AlignerTelemetry.SourceName, "Microsoft.AspNetCore").AddOtlpExporter(o => o.Endpoint = endpoint))
            .WithMetrics(m => m.AddMeter(AlignerTelemetry.SourceName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http")
                .AddOtlpExporter(o => o.Endpoint = endpoint));
    }

    private static async Task WriteStatusAsync(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted).ConfigureAwait(false);
    }
}
