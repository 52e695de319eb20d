namespace Aligner.Gguf;

/// <summary>Constants of the GGUF container format (version 3, as llama.cpp's <c>gguf</c> library writes it).</summary>
public static class GgufFormat
{
    /// <summary>The magic number: the bytes <c>GGUF</c> read as a little-endian 32-bit integer.</summary>
    public const uint Magic = 0x46554747;

    /// <summary>The version written.</summary>
    public const uint Version = 3;

    /// <summary>Alignment of tensor data when <c>general.alignment</c> is absent.</summary>
    public const int DefaultAlignment = 32;

    /// <summary>The metadata key that overrides <see cref="DefaultAlignment"/>.</summary>
    public const string AlignmentKey = "general.alignment";

    /// <summary>Most dimensions a ggml tensor has.</summary>
    public const int MaxDimensions = 4;
}
