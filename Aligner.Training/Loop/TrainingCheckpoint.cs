using System.Globalization;
using System.Text.Json;
using Aligner.Backends.Torch.Modeling;
using Aligner.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Training;

/// <summary>
/// A resumable checkpoint of a run, in <c>{checkpoint folder}/step-NNNNNNN/</c>: every parameter in float32 (LoRA
/// adapters included, unmerged), the optimizer state, and <c>trainer_state.json</c> (step, run fingerprint, loss history,
/// early-stopping counters). Each is written to a temporary folder that is renamed into place when complete, so a
/// kill mid-write leaves the earlier checkpoints as they were.
/// </summary>
internal static class TrainingCheckpoint
{
    public const string WeightsFileName = "weights.safetensors";
    public const string OptimizerFileName = "optimizer.safetensors";
    public const string StateFileName = "trainer_state.json";
    private const string Prefix = "step-";

    /// <summary>The trainer state of a checkpoint; <paramref name="StepMetrics"/> holds the trainer's per-step metrics (absent in checkpoints of earlier versions).</summary>
    internal sealed record State(int Step, string Fingerprint, List<double> TrainLoss, List<ValidationPoint> ValidationLoss,
        double BestValidationLoss, int ValidationsWithoutImprovement, JsonElement? StepMetrics = null);

    /// <summary>Test hook: runs after the files are written and before the folder is renamed into place.</summary>
    internal static Action<string>? BeforeCommit { get; set; }

    public static string Save(string folder, CausalLanguageModel model, AdamWOptimizer optimizer, State state)
    {
        Directory.CreateDirectory(folder);
        var final = Path.Combine(folder, Prefix + state.Step.ToString("D7", CultureInfo.InvariantCulture));
        var temp = Path.Combine(folder, $".{Path.GetFileName(final)}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(temp);
        try
        {
            var writer = new SafeTensorsWriter();
            foreach (var (name, p) in model.named_parameters())
                writer.Add(name, AdamWOptimizer.ToFloats(p), p.shape);
            writer.Save(Path.Combine(temp, WeightsFileName));
            optimizer.Save(Path.Combine(temp, OptimizerFileName));
            File.WriteAllText(Path.Combine(temp, StateFileName), JsonSerializer.Serialize(state, JsonOptions));
            BeforeCommit?.Invoke(temp);
            if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
            Directory.Move(temp, final);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        foreach (var older in Complete(folder).Where(d => d != final)) TryDelete(older);
        return final;
    }

    /// <summary>The newest complete checkpoint folder, or null.</summary>
    public static string? Latest(string folder) => Directory.Exists(folder) ? Complete(folder).LastOrDefault() : null;

    public static State ReadState(string checkpoint)
    {
        var path = Path.Combine(checkpoint, StateFileName);
        try
        {
            return JsonSerializer.Deserialize<State>(File.ReadAllText(path), JsonOptions)
                ?? throw new ModelFormatException(path, null, "empty trainer state");
        }
        catch (JsonException e) { throw new ModelFormatException(path, null, "not a valid trainer state: " + e.Message, e); }
    }

    public static void Restore(string checkpoint, CausalLanguageModel model, AdamWOptimizer optimizer)
    {
        var path = Path.Combine(checkpoint, WeightsFileName);
        using (var file = SafeTensorsFile.Open(path))
        using (torch.no_grad())
        {
            foreach (var (name, p) in model.named_parameters())
            {
                if (!file.Contains(name)) throw new ModelFormatException(path, name, "parameter missing from the training checkpoint");
                var info = file.GetInfo(name);
                if (!info.Shape.SequenceEqual(p.shape))
                    throw new ModelFormatException(path, name, $"shape {info.ShapeText} does not match the model's [{string.Join(", ", p.shape)}]");
                using var loaded = torch.tensor(file.ReadSingles(name), p.shape).to(p.dtype, p.device);
                p.copy_(loaded);
            }
        }
        optimizer.Load(Path.Combine(checkpoint, OptimizerFileName));
    }

    private static IEnumerable<string> Complete(string folder) =>
        Directory.GetDirectories(folder, Prefix + "*")
            .Where(d => File.Exists(Path.Combine(d, StateFileName)))
            .Order(StringComparer.Ordinal);

    private static void TryDelete(string folder)
    {
        try { if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    internal static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };
}
