using Aligner.Training.Data;

namespace Aligner.Training.WeakToStrong;

/// <summary>
/// The plain instruction template the strong (upstream) model is trained and run with:
/// <c>BEGINNING OF CONVERSATION: USER: {question} ASSISTANT:</c>, the conversation wrapper of the Aligner reference code
/// with the question alone inside. It is a <see cref="CorrectionPromptTemplate"/> so the corrector trainer's encoder
/// and the generation loop take it as they are; its <c>{answer}</c> slot sits at the very end and is always empty.
/// </summary>
public static class InstructionPromptTemplate
{
    /// <summary>The template.</summary>
    public static CorrectionPromptTemplate Plain { get; } = new("instruction", "BEGINNING OF CONVERSATION: USER: {question} ASSISTANT:{answer}");

    /// <summary>The prompt for a question.</summary>
    /// <param name="question">The question.</param>
    public static CorrectionPrompt Render(string question) => Plain.Render(question, "");

    /// <summary>
    /// An instruction-tuning row as the corrector trainer takes it: the question, an empty answer slot, and the response
    /// to learn as the "correction" (so the loss falls on the response and EOS only).
    /// </summary>
    /// <param name="question">The question.</param>
    /// <param name="response">The response to learn.</param>
    public static CorrectionExample ToTrainingRow(string question, string response) => new(question, "", response);
}
