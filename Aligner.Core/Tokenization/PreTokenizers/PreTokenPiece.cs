namespace Aligner.Tokenization.PreTokenizers;

/// <summary>A piece of normalized text on its way to the model; <see cref="AtStart"/> when it begins at offset 0 of the input.</summary>
internal readonly record struct PreTokenPiece(string Text, bool AtStart);
