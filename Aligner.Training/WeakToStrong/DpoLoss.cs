using Aligner.Backends.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Training.WeakToStrong;

/// <summary>
/// The DPO objective: −log σ(β((log π(a′|q) − log π_ref(a′|q)) − (log π(a|q) − log π_ref(a|q)))), a′ the chosen
/// (corrected) answer, a the rejected (original) one; the implicit rewards are β(log π − log π_ref).
/// </summary>
public static class DpoLoss
{
    /// <summary>The loss per pair and the implicit rewards of both answers (all <c>[pairs]</c>).</summary>
    /// <param name="policyChosen">log π(a′|q), summed over the answer's tokens.</param>
    /// <param name="policyRejected">log π(a|q).</param>
    /// <param name="referenceChosen">log π_ref(a′|q).</param>
    /// <param name="referenceRejected">log π_ref(a|q).</param>
    /// <param name="beta">β, the strength of the implicit KL constraint.</param>
    public static (Tensor Loss, Tensor ChosenReward, Tensor RejectedReward) Compute(
        Tensor policyChosen, Tensor policyRejected, Tensor referenceChosen, Tensor referenceRejected, double beta)
    {
        ArgumentNullException.ThrowIfNull(policyChosen);
        ArgumentNullException.ThrowIfNull(policyRejected);
        ArgumentNullException.ThrowIfNull(referenceChosen);
        ArgumentNullException.ThrowIfNull(referenceRejected);
        using var scope = NewDisposeScope();
        var chosenReward = (policyChosen - referenceChosen).Times(beta);
        var rejectedReward = (policyRejected - referenceRejected).Times(beta);
        var loss = -nn.functional.logsigmoid(chosenReward - rejectedReward);
        return (loss.MoveToOuterDisposeScope(), chosenReward.detach().MoveToOuterDisposeScope(), rejectedReward.detach().MoveToOuterDisposeScope());
    }
}
