using Aligner;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Returned by <c>services.AddAligner(...)</c>: backends register the aligner's correction model through it
/// (<c>.AddTorchBackend(...)</c>, <c>.AddOnnxBackend(...)</c>, <c>.AddChatClientBackend(...)</c>).
/// </summary>
public interface IAlignerBuilder
{
    /// <summary>The service collection.</summary>
    IServiceCollection Services { get; }

    /// <summary>The aligner's name: <see langword="null"/> for the default aligner, else the key of a keyed aligner.</summary>
    string? Name { get; }
}

/// <summary>Registration helpers for backends.</summary>
public static class AlignerBuilderExtensions
{
    /// <summary>
    /// Registers the correction model of this aligner (keyed by <see cref="IAlignerBuilder.Name"/>; the default
    /// aligner's model is also resolvable as a plain <see cref="ICorrectionModel"/>). The factory runs once, lazily.
    /// A second call replaces the first.
    /// </summary>
    public static IAlignerBuilder UseCorrectionModel(this IAlignerBuilder builder, Func<IServiceProvider, ICorrectionModel> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        var existing = builder.Services.Where(d => d.ServiceType == typeof(ICorrectionModel) && d.IsKeyedService && Equals(d.ServiceKey, builder.Name)).ToList();
        foreach (var d in existing) builder.Services.Remove(d);
        if (builder.Name is null)
        {
            var plain = builder.Services.Where(d => d.ServiceType == typeof(ICorrectionModel) && !d.IsKeyedService).ToList();
            foreach (var d in plain) builder.Services.Remove(d);
            builder.Services.AddSingleton(factory);
        }
        else
        {
            builder.Services.AddKeyedSingleton<ICorrectionModel>(builder.Name, (sp, _) => factory(sp));
        }
        return builder;
    }

    /// <summary>
    /// Registers the correction gate of this aligner (<see cref="AlignerOptions.Gate"/>; keyed by
    /// <see cref="IAlignerBuilder.Name"/>). The factory runs once, lazily, when the aligner is created. A second call
    /// replaces the first. The ONNX backend's <c>AddEmbeddingGate(...)</c> registers the trained sentence-encoder gate.
    /// </summary>
    public static IAlignerBuilder UseCorrectionGate(this IAlignerBuilder builder, Func<IServiceProvider, ICorrectionGate> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        var existing = builder.Services.Where(d => d.ServiceType == typeof(ICorrectionGate) && d.IsKeyedService && Equals(d.ServiceKey, GateKey(builder.Name))).ToList();
        foreach (var d in existing) builder.Services.Remove(d);
        builder.Services.AddKeyedSingleton<ICorrectionGate>(GateKey(builder.Name), (sp, _) => factory(sp));
        return builder;
    }

    /// <summary>The service key of an aligner's gate (a keyed service even for the default aligner, so a plain <see cref="ICorrectionGate"/> registration of the app is never picked up by accident).</summary>
    internal static string GateKey(string? alignerName) => "aligner-gate:" + (alignerName ?? "");
}
