using System.CommandLine;

namespace Aligner.Cli.Commands;

/// <summary>The generation options as command-line options.</summary>
internal sealed class GenerationOptionBinder
{
    private readonly Option<bool> _sample = new("--sample") { Description = "Sample with the paper's settings (temperature 0.3, top-k 10, top-p 0.95, frequency penalty 1.2) instead of greedy decoding." };
    private readonly Option<int> _maxNewTokens = new("--max-new-tokens") { Description = "Most tokens to generate.", DefaultValueFactory = _ => 256 };
    private readonly Option<float?> _temperature = new("--temperature") { Description = "Sampling temperature (0 = greedy). Implies --sample when > 0." };
    private readonly Option<int?> _topK = new("--top-k") { Description = "Top-k filter (0 disables)." };
    private readonly Option<float?> _topP = new("--top-p") { Description = "Nucleus filter in (0, 1]." };
    private readonly Option<float?> _frequencyPenalty = new("--frequency-penalty") { Description = "Frequency penalty (0 disables)." };
    private readonly Option<float?> _repetitionPenalty = new("--repetition-penalty") { Description = "Repetition penalty (1 disables)." };
    private readonly Option<int?> _seed = new("--seed") { Description = "Sampling seed, for reproducible sampled output." };
    private readonly Option<double?> _keepThreshold = new("--keep-threshold") { Description = "For correctors with a keep marker: keep the answer unchanged when the marker's first-step probability is at least this (0..1); default: the model's own choice." };
    private readonly Option<string[]> _stop = new("--stop") { Description = "Stop sequence (repeatable).", AllowMultipleArgumentsPerToken = false };

    public GenerationOptionBinder()
    {
        _maxNewTokens.MustBeAtLeast(1);
        _topK.Validators.Add(r => { if ((CommonOptions.TryGetValue<int?>(r, out var v) ? v : default) < 0) r.AddError("--top-k must be 0 (off) or more."); });
        _temperature.Validators.Add(r => { if ((CommonOptions.TryGetValue<float?>(r, out var v) ? v : default) is { } t && !(t >= 0 && float.IsFinite(t))) r.AddError("--temperature must be a finite number >= 0."); });
        _topP.Validators.Add(r => { if ((CommonOptions.TryGetValue<float?>(r, out var v) ? v : default) is { } p && !(p > 0 && p <= 1)) r.AddError("--top-p must be in (0, 1]."); });
        _repetitionPenalty.Validators.Add(r => { if ((CommonOptions.TryGetValue<float?>(r, out var v) ? v : default) is { } p && !(p > 0 && float.IsFinite(p))) r.AddError("--repetition-penalty must be a finite number > 0."); });
        _frequencyPenalty.Validators.Add(r => { if ((CommonOptions.TryGetValue<float?>(r, out var v) ? v : default) is { } p && !float.IsFinite(p)) r.AddError("--frequency-penalty must be finite."); });
        _stop.Validators.Add(r => { if ((CommonOptions.TryGetValue<string[]>(r, out var v) ? v : default)?.Any(string.IsNullOrEmpty) == true) r.AddError("--stop must not be empty."); });
    }

    /// <summary>The flag of each <see cref="GenerationOptions"/> property, for messages.</summary>
    private static readonly Dictionary<string, string> Flags = new()
    {
        [nameof(GenerationOptions.KeepThreshold)] = "--keep-threshold",
        [nameof(GenerationOptions.MaxNewTokens)] = "--max-new-tokens",
        [nameof(GenerationOptions.Temperature)] = "--temperature",
        [nameof(GenerationOptions.TopK)] = "--top-k",
        [nameof(GenerationOptions.TopP)] = "--top-p",
        [nameof(GenerationOptions.FrequencyPenalty)] = "--frequency-penalty",
        [nameof(GenerationOptions.RepetitionPenalty)] = "--repetition-penalty",
        [nameof(GenerationOptions.StopSequences)] = "--stop",
    };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { _sample, _maxNewTokens, _temperature, _topK, _topP, _frequencyPenalty, _repetitionPenalty, _seed, _stop, _keepThreshold })
            command.Options.Add(o);
    }

    /// <summary>Greedy by default (deterministic, what a small demo corrector does best); --sample switches to the paper's settings.</summary>
    public GenerationOptions Bind(ParseResult r)
    {
        var temperature = r.GetValue(_temperature);
        bool sample = r.GetValue(_sample) || temperature > 0;
        var o = sample ? GenerationOptions.Default : GenerationOptions.Greedy;
        o = o with
        {
            MaxNewTokens = r.GetValue(_maxNewTokens),
            Temperature = temperature ?? o.Temperature,
            TopK = r.GetValue(_topK) ?? o.TopK,
            TopP = r.GetValue(_topP) ?? o.TopP,
            FrequencyPenalty = r.GetValue(_frequencyPenalty) ?? o.FrequencyPenalty,
            RepetitionPenalty = r.GetValue(_repetitionPenalty) ?? o.RepetitionPenalty,
            Seed = r.GetValue(_seed),
            StopSequences = r.GetValue(_stop) ?? [],
            KeepThreshold = r.GetValue(_keepThreshold),
        };
        try { o.Validate(); }
        catch (ArgumentException e) when (e.ParamName is { } name && Flags.TryGetValue(name, out var flag))
        {
            throw new CliUsageException(e.Message.Replace(name, flag, StringComparison.Ordinal).Replace($" (Parameter '{flag}')", "", StringComparison.Ordinal));
        }
        return o;
    }
}
