using Aligner;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

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

    /// <summary>
    /// Puts <see cref="Aligner.Gating.HarmfulRequestRules"/> around this aligner's registered gate (<see cref="Aligner.Gating.SafetyRulesGate"/>):
    /// requests the rules read as harmful are flagged as <paramref name="harmCategory"/>, and protective questions the gate
    /// flagged as harmful only are kept. Call it after the gate is registered (<see cref="UseCorrectionGate"/>, the ONNX
    /// backend's <c>AddEmbeddingGate(...)</c>).
    /// </summary>
    /// <param name="builder">The aligner builder.</param>
    /// <param name="harmCategory">The gate category that selects the corrector's refusal instruction (default <c>harmful</c>).</param>
    /// <param name="keepProtective">Whether protective questions flagged as harmful only are kept (default true).</param>
    /// <exception cref="InvalidOperationException">No gate is registered for this aligner.</exception>
    public static IAlignerBuilder UseSafetyRules(this IAlignerBuilder builder, string harmCategory = "harmful", bool keepProtective = true)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(harmCategory);
        var key = GateKey(builder.Name);
        var registered = builder.Services.LastOrDefault(d => d.ServiceType == typeof(ICorrectionGate) && d.IsKeyedService && Equals(d.ServiceKey, key))
            ?? throw new InvalidOperationException("UseSafetyRules wraps this aligner's correction gate, but none is registered: call UseCorrectionGate or AddEmbeddingGate first.");
        Func<IServiceProvider, object?, ICorrectionGate> inner = registered switch
        {
            { KeyedImplementationFactory: { } factory } => (sp, k) => (ICorrectionGate)factory(sp, k),
            { KeyedImplementationInstance: ICorrectionGate instance } => (_, _) => instance,
            { KeyedImplementationType: { } type } => (sp, _) => (ICorrectionGate)ActivatorUtilities.CreateInstance(sp, type),
            _ => throw new InvalidOperationException("The registered correction gate cannot be wrapped."),
        };
        builder.Services.Remove(registered);
        builder.Services.AddKeyedSingleton<ICorrectionGate>(key, (sp, k) => new Aligner.Gating.SafetyRulesGate(inner(sp, k), harmCategory, keepProtective));
        return builder;
    }

    /// <summary>
    /// Registers a backend's options for this aligner with the options pattern: named options (the aligner's name, or
    /// the default name), configured by <paramref name="configure"/> and/or bound from <paramref name="configuration"/>,
    /// and validated by <paramref name="validate"/> when the host starts (<c>ValidateOnStart</c>) and at the latest when
    /// the aligner is first resolved; a failure is an <see cref="OptionsValidationException"/> naming each problem.
    /// Backends resolve them with <see cref="BackendOptions{TOptions}"/>.
    /// </summary>
    /// <typeparam name="TOptions">The backend's options type.</typeparam>
    /// <param name="builder">The aligner builder.</param>
    /// <param name="configure">Sets options in code; runs after the binding.</param>
    /// <param name="configuration">A configuration section to bind (property names as keys, e.g. <c>"IntraOpThreads": 2</c>).</param>
    /// <param name="validate">Checks the options; throws <see cref="ArgumentException"/> naming the problem.</param>
    public static OptionsBuilder<TOptions> AddBackendOptions<TOptions>(this IAlignerBuilder builder, Action<TOptions>? configure, IConfiguration? configuration, Action<TOptions> validate)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(validate);
        var name = OptionsName(builder.Name);
        var options = builder.Services.AddOptions<TOptions>(name);
        if (configuration is not null) options.Bind(configuration, o => o.ErrorOnUnknownConfiguration = true);
        if (configure is not null) options.Configure(configure);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>>(new ThrowingValidator<TOptions>(validate)));
        options.ValidateOnStart();
        return options;
    }

    /// <summary>A backend's options for the aligner <paramref name="alignerName"/>, as registered by <see cref="AddBackendOptions{TOptions}"/> (validated).</summary>
    public static TOptions BackendOptions<TOptions>(this IServiceProvider services, string? alignerName) where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.GetRequiredService<IOptionsMonitor<TOptions>>().Get(OptionsName(alignerName));
    }

    private static string OptionsName(string? alignerName) => alignerName ?? Options.Options.DefaultName;

    /// <summary>Turns an options type's own <c>Validate()</c> (which throws <see cref="ArgumentException"/>) into an <see cref="IValidateOptions{TOptions}"/>.</summary>
    private sealed class ThrowingValidator<TOptions>(Action<TOptions> validate) : IValidateOptions<TOptions> where TOptions : class
    {
        public ValidateOptionsResult Validate(string? name, TOptions options)
        {
            try
            {
                validate(options);
                return ValidateOptionsResult.Success;
            }
            catch (ArgumentException e)
            {
                return ValidateOptionsResult.Fail($"{typeof(TOptions).Name}{(string.IsNullOrEmpty(name) ? "" : $" '{name}'")}: {e.Message}");
            }
        }
    }

    /// <summary>The service key of an aligner's gate (a keyed service even for the default aligner, so a plain <see cref="ICorrectionGate"/> registration of the app is never picked up by accident).</summary>
    internal static string GateKey(string? alignerName) => "aligner-gate:" + (alignerName ?? "");
}
