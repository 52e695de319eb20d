using System.CommandLine;

namespace Aligner.Cli;

/// <summary>Options shared by several commands.</summary>
internal static class CommonOptions
{
    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Show debug logs and full stack traces on errors.",
        Recursive = true,
    };

    public static Option<string?> Model() => new("--model", "-m")
    {
        Description = "Checkpoint folder (Hugging Face layout) or ONNX export folder. Default: the shipped corrector (aligner-v3, with its gate).",
    };

    public static Option<string> Backend() => new Option<string>("--backend", "-b")
    {
        Description = "Inference backend: auto, torch or onnx. auto (default): onnx for an ONNX export folder; for a small checkpoint "
            + $"(weights up to {AlignerHost.AutoOnnxMaxWeightBytes >> 20} MiB, such as the shipped corrector) onnx on an export made once into the cache "
            + "(~/.cache/aligner or $ALIGNER_CACHE_DIR; starts in about half the time of libtorch); otherwise, or with --dtype, --quantize int8 or --memory-limit, torch.",
        DefaultValueFactory = _ => "auto",
    }.AcceptOnlyFromAmong("auto", "torch", "onnx");

    public static Option<int> Threads() => new Option<int>("--threads")
    {
        Description = "CPU threads for the backend (0 = all cores).",
        DefaultValueFactory = _ => 0,
    }.MustBeAtLeast(0);

    public static Option<string?> Gate() => new("--gate")
    {
        Description = "Correction gate folder (gate.json + gate.safetensors from 'aligner train-gate'), or 'none'. Default: the corrector's 'gate' folder when it has one (the shipped corrector does): answers the gate judges fine are kept without generation.",
    };

    /// <summary>The topic check's least question/correction similarity (<see cref="Aligner.TopicCheck.MinSimilarity"/>); -1 turns it off.</summary>
    public static Option<double> MinTopicSimilarity()
    {
        var option = new Option<double>("--min-topic-similarity")
        {
            Description = "With a gate: a correction of an answer the gate flags as unhelpful must be at least this similar to the question " +
                "(cosine of the gate's sentence embeddings, -1..1), else the original answer comes back as a fallback (off_topic_output); -1 turns the check off.",
            DefaultValueFactory = _ => new Aligner.TopicCheck().MinSimilarity,
        };
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<double>();
            if (!(value >= -1 && value <= 1)) result.AddError($"--min-topic-similarity must be in [-1, 1] (was {value}).");
        });
        return option;
    }

    /// <summary><c>--safety-rules on|off</c>: the harmful-request rules around the gate (<see cref="Aligner.Gating.SafetyRulesGate"/>).</summary>
    public static Option<string> SafetyRules()
    {
        var option = new Option<string>("--safety-rules")
        {
            Description = "With a gate: on (default) flags requests whose wording asks for harmful help (weapons, malware, account break-ins, scams, forgery, drugs, self-harm, hate, doxxing, piracy, " +
                "election lies, sexual content with minors) as harmful whatever the gate says, and keeps questions the gate flagged as harmful that only ask how to protect against, report or lawfully handle something; off leaves the gate alone.",
            DefaultValueFactory = _ => "on",
        };
        option.AcceptOnlyFromAmong("on", "off");
        return option;
    }

    /// <summary>Sets the topic check from <c>--min-topic-similarity</c> (on with a gate, unless -1).</summary>
    public static void ApplyTopicCheck(Aligner.AlignerOptions options, double minSimilarity)
    {
        if (options.TopicCheck is null) return;
        options.TopicCheck = minSimilarity <= -1 ? null : new Aligner.TopicCheck { MinSimilarity = minSimilarity };
    }

    public static Option<string> Facts()
    {
        var option = new Option<string>("--facts")
        {
            Description = "Checks and answers that need no model: builtin (default: arithmetic, unit conversions, capital cities and chemical elements are checked before the gate and the corrector, " +
                "and a wrong number, city or element is replaced, the rest copied; and when the gate flags an answer as unhelpful, a question asking a capital, a unit conversion or an element's symbol gets it from the same tables, and one asking what something is gets its " +
                "definition from the corrector's knowledge/ folder, e.g. WordNet's nouns) or none.",
            DefaultValueFactory = _ => "builtin",
        };
        option.AcceptOnlyFromAmong("builtin", "none");
        return option;
    }

    /// <summary>
    /// The fact checkers a <c>--facts</c> value names: the built-in tables, and WordNet's definitions when the corrector
    /// folder ships them (<c>knowledge/definitions.txt.gz</c>, read at the first question of a kind it checks).
    /// </summary>
    public static IReadOnlyList<IFactChecker>? FactCheckers(string? facts, string? modelFolder)
    {
        if (string.Equals(facts, "none", StringComparison.OrdinalIgnoreCase)) return null;
        var path = modelFolder is null ? null : DefinitionsPath(modelFolder);
        return path is not null && File.Exists(path)
            ? [.. Aligner.Facts.FactCheckers.BuiltIn, Aligner.Knowledge.WordNetFactChecker.LoadOnFirstUse(path)]
            : Aligner.Facts.FactCheckers.BuiltIn;
    }

    /// <summary>The knowledge sources a <c>--facts</c> value and a corrector folder give: capital cities, unit conversions, chemical elements, well-known quantities, and the folder's <c>knowledge/definitions.txt.gz</c> (read at first use).</summary>
    public static IReadOnlyList<Aligner.Knowledge.IKnowledgeSource>? KnowledgeSources(string? facts, string modelFolder)
    {
        if (string.Equals(facts, "none", StringComparison.OrdinalIgnoreCase)) return null;
        var path = DefinitionsPath(modelFolder);
        Aligner.Knowledge.IKnowledgeSource[] tables = [new Aligner.Facts.CapitalCityFactChecker(), new Aligner.Facts.UnitConversionFactChecker(), new Aligner.Facts.ChemicalElementFactChecker(), new Aligner.Facts.WellKnownQuantityFactChecker()];
        return File.Exists(path) ? [.. tables, Aligner.Knowledge.WordNetDefinitions.LoadOnFirstUse(path)] : tables;
    }

    /// <summary>Where a corrector folder ships WordNet's definitions (<c>knowledge/definitions.txt.gz</c>).</summary>
    private static string DefinitionsPath(string modelFolder) => Path.Combine(modelFolder, "knowledge", Aligner.Knowledge.WordNetDefinitions.FileName);

    public static Option<bool> Overwrite(string what) => new("--overwrite")
    {
        Description = $"Replace an existing {what}: only what this command writes is replaced, atomically; other files are left alone.",
    };

    /// <summary>Rejects values below <paramref name="min"/> at parse time, naming the option.</summary>
    public static Option<T> MustBeAtLeast<T>(this Option<T> option, T min) where T : struct, IComparable<T>
    {
        option.Validators.Add(result =>
        {
            if (TryGetValue<T>(result, out var value) && value.CompareTo(min) < 0) result.AddError($"{option.Name} must be at least {min} (was {value}).");
        });
        return option;
    }

    /// <summary>Rejects values that break <paramref name="rule"/> at parse time, naming the option.</summary>
    public static Option<T> Must<T>(this Option<T> option, Func<T, bool> ok, string rule)
    {
        option.Validators.Add(result =>
        {
            if (TryGetValue<T>(result, out var value) && !ok(value))
                result.AddError(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{option.Name} {rule} (was {value})."));
        });
        return option;
    }

    /// <summary>The parsed value, or false when the text did not convert (System.CommandLine reports that error itself).</summary>
    public static bool TryGetValue<T>(System.CommandLine.Parsing.OptionResult result, out T value)
    {
        try
        {
            value = result.GetValueOrDefault<T>();
            return true;
        }
        catch (InvalidOperationException)
        {
            value = default!;
            return false;
        }
    }

    public static Option<string> DType() => new("--dtype")
    {
        Description = "Torch weight type: auto (default: a 16-bit checkpoint stays 16-bit where the CPU has native bf16/f16 or float32 would not fit in memory), f32, bf16 or f16.",
        DefaultValueFactory = _ => "auto",
    };

    public static Option<string> Quantize() => new Option<string>("--quantize")
    {
        Description = "Torch weights of the linear projections: auto (default: as --dtype, or int8 when that would not fit in the available memory; a warning says so), " +
            "none (always --dtype) or int8 (quantized layer by layer while loading, a float32 scale per block of 32 as llama.cpp's Q8_0; half of bf16's bytes per token; CPU only).",
        DefaultValueFactory = _ => "auto",
    }.AcceptOnlyFromAmong("auto", "none", "int8");

    /// <summary>Parses <c>--quantize</c>.</summary>
    public static Aligner.Backends.Torch.TorchWeightQuantization ParseQuantize(string? value) => value switch
    {
        "int8" => Aligner.Backends.Torch.TorchWeightQuantization.Int8,
        "none" => Aligner.Backends.Torch.TorchWeightQuantization.None,
        _ => Aligner.Backends.Torch.TorchWeightQuantization.WhenNeeded,
    };

    public static Option<string> Weights() => new Option<string>("--weights")
    {
        Description = "Torch: where the weights live. auto (default: checkpoints of 1 GiB or more stored in the loaded dtype are memory-mapped from their files, " +
            "a 7B load in well under a second; smaller ones are read into memory), memory (always read into memory, e.g. for checkpoints on a network file system " +
            "or files that may be rewritten in place while the model runs) or mapped (map whenever the checkpoint allows it).",
        DefaultValueFactory = _ => "auto",
    }.AcceptOnlyFromAmong("auto", "memory", "mapped");

    /// <summary>Parses <c>--weights</c>.</summary>
    public static Aligner.Backends.Torch.TorchWeightStorage ParseWeights(string? value) => value switch
    {
        "memory" => Aligner.Backends.Torch.TorchWeightStorage.Memory,
        "mapped" => Aligner.Backends.Torch.TorchWeightStorage.MappedFile,
        _ => Aligner.Backends.Torch.TorchWeightStorage.Auto,
    };

    public static Option<string?> MemoryLimit() => new("--memory-limit")
    {
        Description = "Torch: memory to plan the load for instead of what the process may use (cgroup limit or MemAvailable), e.g. 12GiB, 800MiB, 5e9; " +
            "--dtype auto and --quantize auto choose within it, and a load that cannot fit stops before allocating (exit 3).",
    };

    /// <summary>Parses <c>--memory-limit</c>: bytes, or a number with KB/MB/GB (powers of 1000) or KiB/MiB/GiB (powers of 1024).</summary>
    public static long? ParseMemoryLimit(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        var text = value.Trim();
        (string Suffix, double Factor)[] units = [("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30), ("TiB", 1L << 40), ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12), ("B", 1)];
        double factor = 1;
        foreach (var (suffix, f) in units)
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) { text = text[..^suffix.Length].Trim(); factor = f; break; }
        if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number)
            || !double.IsFinite(number) || number * factor < 1 || number * factor > long.MaxValue)
            throw new CliUsageException($"--memory-limit '{value}' is not a size; use e.g. 12GiB, 800MiB or a number of bytes.");
        return (long)(number * factor);
    }

    /// <summary>Parses <c>--dtype</c>: <see langword="null"/> for auto.</summary>
    public static TorchSharp.torch.ScalarType? ParseDType(string? value) => value?.ToLowerInvariant() switch
    {
        null or "auto" => null,
        "f32" or "float32" => TorchSharp.torch.ScalarType.Float32,
        "bf16" or "bfloat16" => TorchSharp.torch.ScalarType.BFloat16,
        "f16" or "float16" => TorchSharp.torch.ScalarType.Float16,
        _ => throw new CliUsageException($"unknown --dtype '{value}'; use auto, f32, bf16 or f16."),
    };
}

/// <summary>Names the CLI accepts, shared by help texts and validators so both list the same.</summary>
internal static class CliNames
{
    /// <summary>The built-in prompt templates (<see cref="CorrectionPromptTemplate.FromName"/>).</summary>
    public static readonly string[] Templates = ["v1", "v2", "instruct", "aspects", "chatml", "chat"];
}
