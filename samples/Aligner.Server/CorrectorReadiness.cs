using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aligner.Server;

/// <summary>Loads the corrector when the server starts, so <c>/readyz</c> turns ready only once it can correct.</summary>
public sealed partial class CorrectorReadiness(IServiceProvider services, ILogger<CorrectorReadiness> logger) : BackgroundService
{
    private volatile CorrectionModelInfo? _model;
    private volatile string? _error;

    /// <summary>The loaded corrector, or <see langword="null"/> while loading or after a failure.</summary>
    public CorrectionModelInfo? Model => _model;

    /// <summary>Why the corrector failed to load, or <see langword="null"/>.</summary>
    public string? Error => _error;

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(() =>
    {
        try
        {
            services.GetRequiredService<IAligner>();
            var info = services.GetRequiredService<ICorrectionModel>().Info;
            _model = info;
            LogReady(logger, info.ModelId, info.Backend);
        }
        catch (Exception e)
        {
            _error = $"{e.GetType().Name}: {e.Message}";
            LogFailed(logger, e);
        }
    }, stoppingToken);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Corrector {ModelId} ({Backend}) loaded; ready.")]
    private static partial void LogReady(ILogger logger, string modelId, string backend);

    [LoggerMessage(EventId = 2, Level = LogLevel.Critical, Message = "The corrector failed to load; /readyz stays unready.")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
