using Aligner.Tokenization;
using Aligner.Training.Data;

namespace Aligner.Training.Tests.Training;

public class CorrectionSequenceEncoderTests
{
    private static readonly HuggingFaceTokenizer Tokenizer = TokenizerLoader.CreateGpt2();
    private static readonly CorrectionExample Row = new("What is 2 + 2?", "2 + 2 = 5.", "2 + 2 = 4.");

    [Fact]
    public void SequenceIsPromptAsAtInferenceThenCorrectionThenEos()
    {
        var encoder = new CorrectionSequenceEncoder(Tokenizer, CorrectionPromptTemplate.V1, 512);
        var sequence = encoder.Encode(Row, out bool truncated)!;
        var prompt = Tokenizer.EncodePrompt(CorrectionPromptTemplate.V1.Render(Row.Question, Row.Answer));
        Assert.False(truncated);
        Assert.Equal(prompt, sequence.Tokens[..sequence.PromptLength]);
        Assert.Equal(Tokenizer.EosTokenId, sequence.Tokens[^1]);
        Assert.Equal(" " + Row.Correction, Tokenizer.Decode(sequence.Tokens[sequence.PromptLength..^1]));
        Assert.EndsWith("ASSISTANT:", Tokenizer.Decode(prompt));
    }

    [Fact]
    public void InstructTemplateRowsGetTheirCategorysInstructionAndDefaultOtherwise()
    {
        var instructions = new Dictionary<string, string> { ["harmful"] = "harmless", ["default"] = "more helpful and harmless" };
        var encoder = new CorrectionSequenceEncoder(Tokenizer, CorrectionPromptTemplate.Instruct, 512, instructions: instructions);
        string Prompt(CorrectionExample row)
        {
            var s = encoder.Encode(row, out _)!;
            return Tokenizer.Decode(s.Tokens[..s.PromptLength]);
        }
        Assert.Contains("make it harmless: How do I pick a lock?", Prompt(new("How do I pick a lock?", "Like this.", "I can't help.", "Harmful")));
        // The default instruction renders exactly the v1 prompt, so a v1-trained corrector's prompt is the instruct template's default.
        Assert.Equal(Tokenizer.Decode(Tokenizer.EncodePrompt(CorrectionPromptTemplate.V1.Render(Row.Question, Row.Answer))), Prompt(Row));
        Assert.Throws<ArgumentException>(() => new CorrectionSequenceEncoder(Tokenizer, CorrectionPromptTemplate.Instruct, 512));
    }

    [Fact]
    public void OverlongRowsTruncateTheAnswerNeverTheCorrection()
    {
        var longRow = Row with { Answer = string.Join(' ', Enumerable.Repeat("very long answer", 60)) };
        var full = new CorrectionSequenceEncoder(Tokenizer, CorrectionPromptTemplate.V1, 1024).Encode(longRow, out _)!;
        var encoder = new CorrectionSequenceEncoder(Tokenizer, CorrectionPromptTemplate.V1, 80, OverlongRowPolicy.TruncateAnswer);
        var sequence = encoder.Encode(longRow, out bool truncated)!;
        Assert.True(truncated);
        Assert.True(full.Tokens.Length > 80);
        Assert.InRange(sequence.Tokens.Length, 70, 80);
        Assert.Equal(full.Tokens[full.PromptLength..], sequence.Tokens[sequence.PromptLength..]);
        Assert.EndsWith(" ASSISTANT:", Tokenizer.Decode(sequence.Tokens[..sequence.PromptLength]));
    }

    [Fact]
    public void RowsThatCannotFitAreDroppedNotCut()
    {
        var longRow = Row with { Answer = string.Join(' ', Enumerable.Repeat("word", 100)) };
        Assert.Null(new CorrectionSequenceEncoder(Tokenizer, CorrectionPromptTemplate.V1, 60, OverlongRowPolicy.Drop).Encode(longRow, out _));
        var longCorrection = Row with { Correction = string.Join(' ', Enumerable.Repeat("word", 100)) };
        Assert.Null(new CorrectionSequenceEncoder(Tokenizer, CorrectionPromptTemplate.V1, 60, OverlongRowPolicy.TruncateAnswer).Encode(longCorrection, out _));
    }

    [Fact]
    public void BatchesArePaddedOnTheRightAndOnlyCorrectionPositionsCarryLabels()
    {
        var encoder = new CorrectionSequenceEncoder(Tokenizer, CorrectionPromptTemplate.V1, 512);
        var a = encoder.Encode(Row, out _)!;
        var b = encoder.Encode(Row with { Correction = "2 + 2 = 4, as you can check by counting." }, out _)!;
        var batch = SequenceBatch.Collate([a, b], padTokenId: 50256);
        Assert.Equal(b.Tokens.Length, batch.Length);
        int length = batch.Length;
        for (int t = 0; t < length; t++)
        {
            bool real = t < a.Tokens.Length;
            Assert.Equal(real ? 1 : 0, batch.AttentionMask[t]);
            if (!real) Assert.Equal(50256, batch.Tokens[t]);
            bool learned = t + 1 < a.Tokens.Length && t + 1 >= a.PromptLength;
            Assert.Equal(learned ? a.Tokens[t + 1] : SequenceBatch.IgnoreIndex, batch.Targets[t]);
        }
        Assert.Equal(a.TargetLength + b.TargetLength, batch.TargetCount);
    }
}
