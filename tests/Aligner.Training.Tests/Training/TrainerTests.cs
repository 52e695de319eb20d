using System.Text.Json;
using Aligner.Backends.Torch;
using Aligner.Backends.Torch.Modeling;
using Aligner.Checkpoints;
using Aligner.Tokenization;

namespace Aligner.Training.Tests.Training;

public class TrainerTests
{
    [Fact]
    public void ShortTrainingOfATinyModelBringsValidationLossUnderThreshold()
    {
        using var temp = new TempFolder();
        var phases = new List<TrainingPhase>();
        var reports = new List<TrainingProgress>();
        var options = TinyTraining.Options(temp.File("tiny")) with
        {
            Epochs = 2, MicroBatchSize = 8, GradientAccumulationSteps = 1, LearningRate = 1e-2, MinLearningRateRatio = 0.1, ValidationEverySteps = 10,
        };
        var result = new CorrectorTrainer(options).Train(TinyTraining.TrainRows(240), TinyTraining.ValidationRows(24),
            new SyncProgress<TrainingProgress>(reports.Add));

        // The identity warm-up comes first, then the full set.
        var warmupSteps = (int)Math.Ceiling(240 * 0.2 / 8);
        Assert.All(reports.Take(warmupSteps), r => Assert.Equal(TrainingPhase.IdentityWarmup, r.Phase));
        Assert.All(reports.Skip(warmupSteps), r => Assert.Equal(TrainingPhase.Correction, r.Phase));
        Assert.Equal(Enumerable.Range(1, result.TotalSteps), reports.Select(r => r.Step));
        Assert.All(reports, r => Assert.True(r.TokensPerSecond > 0 && r.LearningRate > 0 && double.IsFinite(r.Loss)));
        Assert.True(reports[^1].LearningRate < reports[warmupSteps].LearningRate, "the cosine schedule decays");
        Assert.Equal(result.TotalSteps, reports.Count(r => r.Step > 0));

        // An untrained model scores about ln(50257) ≈ 10.8 per token; 66 steps of a 32-wide model must get far below.
        Assert.True(result.FinalValidationLoss < 0.8 * result.History.ValidationLoss[0].Loss, "validation loss should keep falling");
        Assert.True(result.FinalValidationLoss < 6.0, $"validation loss {result.FinalValidationLoss}");

        // The result is a Hugging Face checkpoint the torch backend and tokenizer loader read.
        var folder = temp.File("tiny");
        foreach (var file in new[] { "config.json", "generation_config.json", "model.safetensors", "tokenizer.json", LossCurvePlot.FileName, CorrectorTrainer.TrainingLogFileName })
            Assert.True(File.Exists(Path.Combine(folder, file)), file);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(Path.Combine(folder, LossCurvePlot.FileName))[..4]);
        var checkpoint = CheckpointFolder.Open(folder);
        Assert.Equal([50256], checkpoint.EosTokenIds);
        Assert.Equal(TokenizerLoader.CreateGpt2().Encode("Edit the following"), TokenizerLoader.Load(folder).Encode("Edit the following"));
        TorchRuntime.EnsureInitialized();
        using var loaded = CausalLanguageModel.Load(folder);
        var measured = CorrectorTrainer.MeasureLoss(loaded, TokenizerLoader.Load(folder), TinyTraining.ValidationRows(24), maxSequenceLength: 160);
        Assert.True(Math.Abs(measured - result.FinalValidationLoss!.Value) < 1e-3, $"{measured} vs {result.FinalValidationLoss}");
        using var log = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, CorrectorTrainer.TrainingLogFileName)));
        Assert.Equal(result.TotalSteps, log.RootElement.GetProperty("train_loss").GetArrayLength());
    }

    [Fact]
    public void MixedPrecisionTrainingKeepsFloat32WeightsAndLearnsLikeFloat32()
    {
        using var temp = new TempFolder();
        var options = TinyTraining.Options(temp.File("f32")) with { Epochs = 1, MicroBatchSize = 8, GradientAccumulationSteps = 1, LearningRate = 1e-2, ValidationEverySteps = 0 };
        var f32 = new CorrectorTrainer(options).Train(TinyTraining.TrainRows(96), TinyTraining.ValidationRows(16));
        var bf16 = new CorrectorTrainer(options with { OutputFolder = temp.File("bf16"), ComputeDType = TorchSharp.torch.ScalarType.BFloat16 })
            .Train(TinyTraining.TrainRows(96), TinyTraining.ValidationRows(16));

        // The same plan, float32 weights and optimizer; only the products' rounding differs.
        Assert.Equal(f32.TotalSteps, bf16.TotalSteps);
        Assert.NotEqual(f32.FinalTrainLoss, bf16.FinalTrainLoss);
        Assert.True(Math.Abs(bf16.FinalValidationLoss!.Value - f32.FinalValidationLoss!.Value) < 0.05 * f32.FinalValidationLoss.Value,
            $"validation loss {bf16.FinalValidationLoss} with bf16 products against {f32.FinalValidationLoss}");
        TorchRuntime.EnsureInitialized();
        using var loaded = CausalLanguageModel.Load(temp.File("bf16"));
        Assert.All(loaded.parameters(), p => Assert.Equal(TorchSharp.torch.ScalarType.Float32, p.dtype));
        Assert.Throws<ArgumentException>(() => new CorrectorTrainer(options with { ComputeDType = TorchSharp.torch.ScalarType.Int32 }));
    }

    [Fact]
    public void LoraFineTuningOfACheckpointChangesOnlyTheTargetedProjections()
    {
        using var temp = new TempFolder();
        TorchRuntime.EnsureInitialized();
        var baseFolder = temp.File("base");
        using (var model = CausalLanguageModel.CreateRandom(TinyTraining.Config with { EosTokenIds = [50256] }, seed: 11))
        {
            model.SaveCheckpoint(baseFolder);
            TokenizerLoader.CreateGpt2().Save(baseFolder);
        }
        var options = new TrainingOptions
        {
            OutputFolder = temp.File("tuned"),
            BaseModelFolder = baseFolder,
            Lora = new LoraOptions { Rank = 4, Alpha = 8, TargetModules = ["q_proj", "v_proj"] },
            Epochs = 1, MicroBatchSize = 8, GradientAccumulationSteps = 1, LearningRate = 1e-2, MaxSequenceLength = 160, Threads = 1,
        };
        var result = new CorrectorTrainer(options).Train(TinyTraining.TrainRows(40), TinyTraining.ValidationRows(8));
        Assert.True(result.FinalValidationLoss < result.History.TrainLoss[0]);

        using var before = SafeTensorsFile.Open(Path.Combine(baseFolder, CheckpointWeights.SingleFileName));
        using var after = SafeTensorsFile.Open(Path.Combine(temp.File("tuned"), CheckpointWeights.SingleFileName));
        Assert.Equal(before.Tensors.Keys.Order(), after.Tensors.Keys.Order());
        foreach (var name in before.Tensors.Keys)
        {
            bool targeted = name.Contains("q_proj", StringComparison.Ordinal) || name.Contains("v_proj", StringComparison.Ordinal);
            Assert.Equal(!targeted, before.ReadSingles(name).SequenceEqual(after.ReadSingles(name)));
        }
    }

    [Fact]
    public void AnExistingOutputFolderIsNotOverwrittenUnasked()
    {
        using var temp = new TempFolder();
        var output = Directory.CreateDirectory(temp.File("mine")).FullName;
        File.WriteAllText(Path.Combine(output, "notes.txt"), "precious");
        var e = Assert.Throws<IOException>(() => new CorrectorTrainer(TinyTraining.Options(output)).Train(TinyTraining.TrainRows(8), []));
        Assert.Contains(output, e.Message);
        Assert.Equal("precious", File.ReadAllText(Path.Combine(output, "notes.txt")));
    }

    [Fact]
    public void AFailedFolderWriteLeavesTheOldFolderIntact()
    {
        using var temp = new TempFolder();
        var output = Directory.CreateDirectory(temp.File("model")).FullName;
        File.WriteAllText(Path.Combine(output, "config.json"), "old");
        Assert.Throws<InvalidOperationException>(() => AtomicFolder.Write(output, overwrite: true, folder =>
        {
            File.WriteAllText(Path.Combine(folder, "config.json"), "new");
            throw new InvalidOperationException("crash mid-write");
        }));
        Assert.Equal("old", File.ReadAllText(Path.Combine(output, "config.json")));
        Assert.Single(Directory.GetFileSystemEntries(temp.Path));

        AtomicFolder.Write(output, overwrite: true, folder => File.WriteAllText(Path.Combine(folder, "config.json"), "new"));
        Assert.Equal("new", File.ReadAllText(Path.Combine(output, "config.json")));
        Assert.Single(Directory.GetFileSystemEntries(temp.Path));
    }

    [Fact]
    public void InvalidOptionsAreRejectedUpFront()
    {
        Assert.Throws<ArgumentException>(() => new CorrectorTrainer(TinyTraining.Options("x") with { ScratchConfig = null }));
        Assert.Throws<ArgumentException>(() => new CorrectorTrainer(TinyTraining.Options("x") with { BaseModelFolder = "y" }));
        Assert.Throws<ArgumentException>(() => new CorrectorTrainer(TinyTraining.Options("x") with { IdentityWarmupShare = 1.5 }));
        Assert.Throws<ArgumentException>(() => new CorrectorTrainer(TinyTraining.Options("x") with { Lora = new LoraOptions { Rank = 0 } }));
    }
}
