namespace Aligner.Backends.Onnx.Tests;

/// <summary>
/// Cached ONNX exports of small checkpoints: exported once, found again, re-exported when the checkpoint changes (the
/// old entry pruned), named like the checkpoint, and equal to an explicit export.
/// </summary>
public sealed class OnnxExportCacheTests : IDisposable
{
    private readonly TempFolder _temp = new("aligner-export-cache-");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_checkpoint_is_exported_once_and_found_again()
    {
        string checkpoint = TinyCheckpoint.Write(TinyCheckpoint.Config("llama"), seed: 3, folder: _temp.Sub("my-corrector"));
        string root = _temp.Sub("cache");
        var logger = new ListLogger();
        string first = OnnxExportCache.GetOrExport(checkpoint, cacheRoot: root, logger: logger);
        Assert.Equal("my-corrector", Path.GetFileName(first));
        Assert.True(File.Exists(Path.Combine(first, "model.onnx")));
        Assert.Single(logger.Entries);
        var stamp = File.GetLastWriteTimeUtc(Path.Combine(first, "model.onnx"));

        var again = new ListLogger();
        Assert.Equal(first, OnnxExportCache.GetOrExport(checkpoint, cacheRoot: root, logger: again));
        Assert.Empty(again.Entries);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(Path.Combine(first, "model.onnx")));

        // The cached export is the explicit export: the same graph and weights, byte for byte.
        var explicitExport = OnnxExporter.Export(checkpoint, _temp.Sub("explicit"));
        Assert.Equal(File.ReadAllBytes(explicitExport.ModelPath), File.ReadAllBytes(Path.Combine(first, "model.onnx")));
        Assert.DoesNotContain(Directory.GetDirectories(Path.Combine(root, "exports")), d => Path.GetFileName(d).StartsWith('.'));
    }

    [Fact]
    public void A_changed_checkpoint_gets_a_new_export_and_the_old_one_is_deleted()
    {
        string checkpoint = TinyCheckpoint.Write(TinyCheckpoint.Config("qwen2"), seed: 4, folder: _temp.Sub("ckpt"));
        string root = _temp.Sub("cache");
        string first = OnnxExportCache.GetOrExport(checkpoint, cacheRoot: root);
        TinyCheckpoint.Write(TinyCheckpoint.Config("qwen2"), seed: 5, folder: checkpoint); // new weights, same names and sizes
        string second = OnnxExportCache.GetOrExport(checkpoint, cacheRoot: root);
        Assert.NotEqual(first, second);
        Assert.False(Directory.Exists(Path.GetDirectoryName(first)));
        Assert.Single(Directory.GetDirectories(Path.Combine(root, "exports")));
    }

    [Fact]
    public void Temporary_folders_of_killed_exports_are_removed_once_an_hour_old()
    {
        string root = _temp.Sub("cache");
        string exports = Path.Combine(root, "exports");
        string abandoned = Path.Combine(exports, ".old-0123.42.abc.tmp");
        string live = Path.Combine(exports, ".live-4567.43.def.tmp");
        Directory.CreateDirectory(abandoned);
        Directory.CreateDirectory(live);
        Directory.SetLastWriteTimeUtc(abandoned, DateTime.UtcNow.AddHours(-2));
        OnnxExportCache.GetOrExport(TinyCheckpoint.Write(TinyCheckpoint.Config("llama"), seed: 8, folder: _temp.Sub("ckpt")), cacheRoot: root);
        Assert.False(Directory.Exists(abandoned));
        Assert.True(Directory.Exists(live));
    }

    [Fact]
    public void Other_export_options_are_another_entry()
    {
        string checkpoint = ExportedModels.WriteCheckpointWithTokenizer(_temp.Sub("ckpt"), "llama", seed: 6);
        string root = _temp.Sub("cache");
        string contrib = OnnxExportCache.GetOrExport(checkpoint, cacheRoot: root);
        string portable = OnnxExportCache.GetOrExport(checkpoint, new OnnxExportOptions { Operators = OnnxOperators.Portable }, cacheRoot: root);
        Assert.NotEqual(contrib, portable);
        using var model = OnnxDecoderModel.Load(portable);
        Assert.Equal("ckpt", Path.GetFileName(portable));
    }

    [Fact]
    public void A_missing_or_broken_checkpoint_is_a_model_format_error()
    {
        string root = _temp.Sub("cache");
        Assert.Throws<ModelFormatException>(() => OnnxExportCache.GetOrExport(_temp.Sub("nowhere"), cacheRoot: root));
        string broken = _temp.Sub("broken");
        Directory.CreateDirectory(broken);
        File.WriteAllText(Path.Combine(broken, "config.json"), "{ not json");
        Assert.ThrowsAny<AlignerException>(() => OnnxExportCache.GetOrExport(broken, cacheRoot: root));
        Assert.Empty(Directory.Exists(Path.Combine(root, "exports")) ? Directory.GetDirectories(Path.Combine(root, "exports")) : []);
    }

    [Fact]
    public void Weight_bytes_count_the_weight_files_only()
    {
        string checkpoint = TinyCheckpoint.Write(TinyCheckpoint.Config("llama"), seed: 7, folder: _temp.Sub("ckpt"));
        Assert.Equal(new FileInfo(Path.Combine(checkpoint, "model.safetensors")).Length, OnnxExportCache.WeightBytes(checkpoint));
        Assert.Equal(0, OnnxExportCache.WeightBytes(_temp.Sub("nowhere")));
    }
}
