using System.Text.Encodings.Web;
using System.Text.Json;

namespace Aligner.Tokenization;

/// <summary>Where a tokenizer's files came from, so that <see cref="HuggingFaceTokenizer.Save"/> can write them again.</summary>
internal sealed class TokenizerSource
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly string? _folder;
    private readonly string? _modelPath;
    private readonly string _modelFileName;
    private readonly byte[]? _tokenizerJson;

    private TokenizerSource(string? folder, string? modelPath, string modelFileName, byte[]? tokenizerJson)
    {
        _folder = folder;
        _modelPath = modelPath;
        _modelFileName = modelFileName;
        _tokenizerJson = tokenizerJson;
    }

    /// <summary>A tokenizer file (saved as <paramref name="savedFileName"/>: <c>tokenizer.json</c> or <c>tokenizer.model</c>) and the configuration files of <paramref name="folder"/>.</summary>
    public static TokenizerSource Files(string folder, string modelPath, string savedFileName) => new(folder, modelPath, savedFileName, null);

    /// <summary>A <c>tokenizer.json</c> built in memory.</summary>
    public static TokenizerSource InMemory(byte[] tokenizerJson) => new(null, null, TokenizerLoader.TokenizerJsonFileName, tokenizerJson);

    /// <summary>The tokenizer file's path, or its file name for a tokenizer built in memory (for error messages).</summary>
    public string ModelPath => _modelPath ?? _modelFileName;

    /// <summary>The path reported for configuration errors.</summary>
    public string ConfigPath => _folder is null ? TokenizerSettings.ConfigFileName : Path.Combine(_folder, TokenizerSettings.ConfigFileName);

    public void WriteTo(string folder, TokenizerSettings settings)
    {
        var target = Path.Combine(folder, _modelFileName);
        if (_tokenizerJson is not null) File.WriteAllBytes(target, _tokenizerJson);
        else CopyUnlessSame(_modelPath!, target);

        foreach (var (name, generated) in new[]
        {
            (TokenizerSettings.ConfigFileName, (Func<string>)(() => settings.ToConfigJson().ToJsonString(Indented))),
            (TokenizerSettings.SpecialTokensMapFileName, () => settings.ToSpecialTokensMapJson().ToJsonString(Indented)),
        })
        {
            var original = _folder is null ? null : Path.Combine(_folder, name);
            if (original is not null && File.Exists(original)) CopyUnlessSame(original, Path.Combine(folder, name));
            else File.WriteAllText(Path.Combine(folder, name), generated());
        }
    }

    private static void CopyUnlessSame(string from, string to)
    {
        if (!string.Equals(Path.GetFullPath(from), Path.GetFullPath(to), StringComparison.Ordinal)) File.Copy(from, to, overwrite: true);
    }
}
