using Aligner;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers aligners (<see cref="IAligner"/>, implemented by <see cref="ResidualAligner"/>).</summary>
public static class AlignerServiceCollectionExtensions
{
    /// <summary>
    /// Registers the default aligner: a singleton <see cref="IAligner"/> over the <see cref="ICorrectionModel"/> a backend
    /// registers through the returned builder (<c>.AddTorchBackend(...)</c>, <c>.AddOnnxBackend(...)</c>,
    /// <c>.AddChatClientBackend(...)</c>). Options are validated when the host starts (and at the latest when the
    /// aligner is first resolved); the error names each bad option. Calling it again adds the configuration to the
    /// same aligner rather than registering a second one.
    /// </summary>
    public static IAlignerBuilder AddAligner(this IServiceCollection services, Action<AlignerOptions>? configure = null)
        => AddAlignerCore(services, name: null, configure);

    /// <summary>
    /// Registers a named aligner: a keyed singleton <see cref="IAligner"/> (key <paramref name="name"/>) with its own
    /// options (named options <paramref name="name"/>) and its own correction model, registered through the returned builder.
    /// Resolve it with <c>GetRequiredKeyedService&lt;IAligner&gt;(name)</c> or <c>[FromKeyedServices(name)]</c>.
    /// </summary>
    public static IAlignerBuilder AddAligner(this IServiceCollection services, string name, Action<AlignerOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return AddAlignerCore(services, name, configure);
    }

    private static IAlignerBuilder AddAlignerCore(IServiceCollection services, string? name, Action<AlignerOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        string optionsName = name ?? Options.Options.DefaultName;
        var optionsBuilder = services.AddOptions<AlignerOptions>(optionsName);
        if (configure is not null) optionsBuilder.Configure(configure);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AlignerOptions>, AlignerOptionsValidator>());

        bool registered = services.Any(d => d.ServiceType == typeof(AlignerRegistration) && d.ImplementationInstance is AlignerRegistration r && r.Name == name);
        if (!registered)
        {
            services.AddSingleton(new AlignerRegistration(name));
            optionsBuilder.ValidateOnStart();
            if (name is null)
                services.TryAddSingleton<IAligner>(sp => CreateAligner(sp, null));
            else
                services.TryAddKeyedSingleton<IAligner>(name, (sp, _) => CreateAligner(sp, name));
        }
        return new AlignerBuilder(services, name);
    }

    private static ResidualAligner CreateAligner(IServiceProvider services, string? name)
    {
        var options = services.GetRequiredService<IOptionsMonitor<AlignerOptions>>().Get(name ?? Options.Options.DefaultName);
        // A registered gate (a sentence encoder to load) is resolved on another thread while the corrector loads here:
        // the two loads are independent, and a one-shot command otherwise waits for them one after the other.
        var gateKey = AlignerBuilderExtensions.GateKey(name);
        var gateTask = services.GetService<IServiceProviderIsKeyedService>()?.IsKeyedService(typeof(ICorrectionGate), gateKey) == true
            ? Task.Run(() => services.GetKeyedService<ICorrectionGate>(gateKey))
            : Task.FromResult<ICorrectionGate?>(null);
        ICorrectionModel model;
        try
        {
            model = (name is null ? services.GetService<ICorrectionModel>() : services.GetKeyedService<ICorrectionModel>(name))
                ?? throw new InvalidOperationException(name is null
                    ? "The aligner has no correction model. Register a backend on the builder that AddAligner returns, e.g. services.AddAligner().AddTorchBackend(...), .AddOnnxBackend(...) or .AddChatClientBackend(...)."
                    : $"The aligner '{name}' has no correction model. Register a backend on the builder that AddAligner(\"{name}\") returns, e.g. .AddTorchBackend(...), .AddOnnxBackend(...) or .AddChatClientBackend(...).");
        }
        catch
        {
            // Let the gate's load finish (the container owns and disposes it) before reporting the model's error.
            try { gateTask.Wait(); } catch (AggregateException) { }
            throw;
        }
        var logger = services.GetService<ILogger<ResidualAligner>>();
        var gate = gateTask.GetAwaiter().GetResult();
        return new ResidualAligner(model, options, logger, gate, services.GetService<System.Diagnostics.Metrics.IMeterFactory>());
    }

    private sealed record AlignerRegistration(string? Name);

    private sealed class AlignerBuilder(IServiceCollection services, string? name) : IAlignerBuilder
    {
        public IServiceCollection Services { get; } = services;
        public string? Name { get; } = name;
    }
}
