using Aligner.Core.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Aligner.Core.Tests.DependencyInjection;

public class AddAlignerTests
{
    [Fact]
    public async Task AddAligner_resolves_a_ResidualAligner_over_the_registered_model()
    {
        var services = new ServiceCollection();
        var model = new ScriptedCorrectionModel((q, a) => a + "!");
        IAlignerBuilder builder = services.AddAligner(o => o.MaxRounds = 2).UseCorrectionModel(_ => model);
        Assert.Same(services, builder.Services);
        Assert.Null(builder.Name);
        using var provider = services.BuildServiceProvider(validateScopes: true);
        var aligner = Assert.IsType<ResidualAligner>(provider.GetRequiredService<IAligner>());
        Assert.Same(aligner, provider.GetRequiredService<IAligner>());
        Assert.Same(model, aligner.Model);
        Assert.Equal(2, aligner.Options.MaxRounds);
        Assert.Equal("A!!", (await aligner.CorrectAsync(new CorrectionRequest("Q", "A"))).CorrectedAnswer);
    }

    [Fact]
    public void A_registered_gate_loads_while_the_model_loads()
    {
        // Each factory waits until the other has started: resolving the aligner finishes only if they run at the same time.
        using var both = new Barrier(2);
        var services = new ServiceCollection();
        services.AddAligner()
            .UseCorrectionModel(_ => { Assert.True(both.SignalAndWait(TimeSpan.FromSeconds(30)), "the gate did not load meanwhile"); return new ScriptedCorrectionModel((q, a) => a); })
            .UseCorrectionGate(_ => { Assert.True(both.SignalAndWait(TimeSpan.FromSeconds(30)), "the model did not load meanwhile"); return CorrectionGate.FromPredicate((_, _) => ValueTask.FromResult(true)); });
        using var provider = services.BuildServiceProvider();
        var aligner = Assert.IsType<ResidualAligner>(provider.GetRequiredService<IAligner>());
        Assert.NotNull(aligner.Gate);
    }

    [Fact]
    public void A_model_that_fails_to_load_is_reported_after_the_gate_finished_loading()
    {
        var gateLoaded = false;
        var services = new ServiceCollection();
        services.AddAligner()
            .UseCorrectionModel(_ => throw new ModelFormatException("model.safetensors", null, "broken"))
            .UseCorrectionGate(_ => { Thread.Sleep(200); gateLoaded = true; return CorrectionGate.FromPredicate((_, _) => ValueTask.FromResult(true)); });
        using var provider = services.BuildServiceProvider();
        Assert.Throws<ModelFormatException>(() => provider.GetRequiredService<IAligner>());
        Assert.True(gateLoaded);
    }

    [Fact]
    public void A_gate_that_fails_to_load_is_reported_as_itself()
    {
        var services = new ServiceCollection();
        services.AddAligner()
            .UseCorrectionModel(_ => new ScriptedCorrectionModel((q, a) => a))
            .UseCorrectionGate(_ => throw new ModelFormatException("gate/gate.json", null, "missing"));
        using var provider = services.BuildServiceProvider();
        var e = Assert.Throws<ModelFormatException>(() => provider.GetRequiredService<IAligner>());
        Assert.Contains("gate.json", e.Message);
    }

    [Fact]
    public void Bad_options_are_rejected_at_start_naming_the_option()
    {
        var services = new ServiceCollection();
        services.AddAligner(o => { o.MaxRounds = 0; o.Generation = GenerationOptions.Default with { TopP = 2 }; })
            .UseCorrectionModel(_ => new ScriptedCorrectionModel((q, a) => a));
        using var provider = services.BuildServiceProvider();
        var startup = provider.GetRequiredService<IStartupValidator>();
        var e = Assert.Throws<OptionsValidationException>(startup.Validate);
        Assert.Contains(e.Failures, f => f.Contains("AlignerOptions.MaxRounds"));
        Assert.Contains(e.Failures, f => f.Contains("AlignerOptions.Generation") && f.Contains("TopP"));
        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IAligner>());
    }

    [Fact]
    public void Bad_options_stop_a_host_from_starting()
    {
        var services = new ServiceCollection();
        services.AddAligner("strict", o => o.MaxBatchSize = 0).UseCorrectionModel(_ => new ScriptedCorrectionModel((q, a) => a));
        using var provider = services.BuildServiceProvider();
        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Equal("strict", e.OptionsName);
        Assert.Contains(e.Failures, f => f.Contains("AlignerOptions.MaxBatchSize"));
    }

    [Fact]
    public void A_missing_backend_is_a_clear_error()
    {
        var services = new ServiceCollection();
        services.AddAligner();
        services.AddAligner("named");
        using var provider = services.BuildServiceProvider();
        var e = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IAligner>());
        Assert.Contains("no correction model", e.Message);
        Assert.Contains("AddTorchBackend", e.Message);
        var named = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredKeyedService<IAligner>("named"));
        Assert.Contains("'named'", named.Message);
    }

    [Fact]
    public async Task Keyed_aligners_have_their_own_options_and_models()
    {
        var services = new ServiceCollection();
        services.AddAligner(o => o.MaxRounds = 1).UseCorrectionModel(_ => new ScriptedCorrectionModel((q, a) => "default:" + a, modelId: "default-model"));
        services.AddAligner("safety", o => o.Template = CorrectionPromptTemplate.V2).UseCorrectionModel(_ => new ScriptedCorrectionModel((q, a) => "safety:" + a, modelId: "safety-model"));
        services.AddAligner("empathy").UseCorrectionModel(_ => new ScriptedCorrectionModel((q, a) => "empathy:" + a, modelId: "empathy-model"));
        using var provider = services.BuildServiceProvider();

        var plain = (ResidualAligner)provider.GetRequiredService<IAligner>();
        var safety = (ResidualAligner)provider.GetRequiredKeyedService<IAligner>("safety");
        var empathy = (ResidualAligner)provider.GetRequiredKeyedService<IAligner>("empathy");
        Assert.Equal("default-model", plain.Model.Info.ModelId);
        Assert.Equal("safety-model", safety.Model.Info.ModelId);
        Assert.Same(CorrectionPromptTemplate.V2, safety.Options.Template);
        Assert.Same(CorrectionPromptTemplate.V1, empathy.Options.Template);
        Assert.Equal("empathy:x", (await empathy.CorrectAsync(new CorrectionRequest("q", "x"))).CorrectedAnswer);
        Assert.Equal("default-model", provider.GetRequiredService<ICorrectionModel>().Info.ModelId);
    }

    [Fact]
    public void Registration_is_idempotent_and_configurations_accumulate()
    {
        var services = new ServiceCollection();
        services.AddAligner(o => o.MaxRounds = 3);
        services.AddAligner(o => o.MaxBatchSize = 2).UseCorrectionModel(_ => new ScriptedCorrectionModel((q, a) => a, modelId: "first"));
        services.AddAligner().UseCorrectionModel(_ => new ScriptedCorrectionModel((q, a) => a, modelId: "second"));
        Assert.Single(services, d => d.ServiceType == typeof(IAligner) && !d.IsKeyedService);
        Assert.Single(services, d => d.ServiceType == typeof(ICorrectionModel) && !d.IsKeyedService);
        Assert.Single(services, d => d.ServiceType == typeof(IValidateOptions<AlignerOptions>));
        using var provider = services.BuildServiceProvider();
        var aligner = (ResidualAligner)provider.GetRequiredService<IAligner>();
        Assert.Equal(3, aligner.Options.MaxRounds);
        Assert.Equal(2, aligner.Options.MaxBatchSize);
        Assert.Equal("second", aligner.Model.Info.ModelId);
        provider.GetRequiredService<IStartupValidator>().Validate();
    }

    [Fact]
    public void Names_must_not_be_blank()
        => Assert.Throws<ArgumentException>(() => new ServiceCollection().AddAligner(" "));

    [Fact]
    public async Task A_gate_registered_on_the_builder_guards_that_aligner_only()
    {
        var services = new ServiceCollection();
        services.AddAligner().UseCorrectionModel(_ => new ScriptedCorrectionModel((q, a) => a + "!"))
            .UseCorrectionGate(_ => CorrectionGate.FromPredicate((r, _) => ValueTask.FromResult(r.Answer.Contains("bad")), id: "default-gate"));
        services.AddAligner("plain").UseCorrectionModel(_ => new ScriptedCorrectionModel((q, a) => a + "?"));
        using var provider = services.BuildServiceProvider(validateScopes: true);
        var guarded = Assert.IsType<ResidualAligner>(provider.GetRequiredService<IAligner>());
        Assert.Equal("default-gate", guarded.Gate!.Id);
        Assert.True((await guarded.CorrectAsync(new CorrectionRequest("Q", "fine"))).Kept);
        Assert.Equal("bad!", (await guarded.CorrectAsync(new CorrectionRequest("Q", "bad"))).CorrectedAnswer);
        var plain = Assert.IsType<ResidualAligner>(provider.GetRequiredKeyedService<IAligner>("plain"));
        Assert.Null(plain.Gate);
        Assert.Equal("fine?", (await plain.CorrectAsync(new CorrectionRequest("Q", "fine"))).CorrectedAnswer);
    }
}
