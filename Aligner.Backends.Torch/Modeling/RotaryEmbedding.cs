using Aligner.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Modeling;

/// <summary>
/// Rotary position embeddings in Hugging Face's "rotate half" layout. Angles are computed in float64 from the
/// position ids (<see cref="RotaryFrequencies"/> applies <c>rope_scaling</c>), then cos/sin are cast to the model's dtype.
/// <see cref="Lookup"/> reads them from tables computed once (the same values as <see cref="Compute"/>), grown as longer
/// sequences come; tables are shared by concurrent sessions and kept until <see cref="ReleaseTables"/>.
/// </summary>
public sealed class RotaryEmbedding
{
    private readonly double[] _inverseFrequencies;

    /// <summary>The inverse frequencies, one per pair of rotated dimensions (<c>head_dim / 2</c>).</summary>
    internal ReadOnlySpan<double> InverseFrequencies => _inverseFrequencies;
    private readonly Lock _gate = new();
    private readonly List<Tables> _all = [];
    private volatile Tables? _tables;

    /// <summary>cos and signed sine <c>[Length, head_dim]</c> for positions <c>0 .. Length - 1</c>.</summary>
    private sealed record Tables(long Length, ScalarType DType, Device Device, Tensor Cos, Tensor SignedSin);

    /// <summary>Creates the embedding for <paramref name="config"/>.</summary>
    public RotaryEmbedding(DecoderConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _inverseFrequencies = RotaryFrequencies.Compute(config);
    }

    /// <summary>
    /// The tables for <paramref name="positionIds"/> <c>[B, T]</c>, each <c>[B, 1, T, head_dim]</c> in <paramref name="dtype"/>:
    /// <c>cos(cat(f, f))</c> and the signed sine <c>cat(-sin f, sin f)</c> that <see cref="Apply"/> expects.
    /// </summary>
    public (Tensor Cos, Tensor SignedSin) Compute(Tensor positionIds, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var inv = tensor(_inverseFrequencies, ScalarType.Float64, positionIds.device);
        var angles = (positionIds.to(ScalarType.Float64).unsqueeze(-1) * inv).unsqueeze(1);
        var cos = angles.cos();
        var sin = angles.sin();
        var cosFull = cat([cos, cos], -1).to(dtype);
        var signedSin = cat([sin.neg(), sin], -1).to(dtype);
        return (cosFull.MoveToOuterDisposeScope(), signedSin.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The tables of <see cref="Compute"/> for <paramref name="positionIds"/> (any shape, int64, every id below
    /// <paramref name="bound"/>), flattened: <c>[positionIds.numel(), head_dim]</c> each, read from precomputed tables
    /// (two <c>index_select</c>s instead of computing angles).
    /// </summary>
    internal (Tensor Cos, Tensor SignedSin) Lookup(Tensor positionIds, long bound, ScalarType dtype)
    {
        var tables = TablesFor(bound, dtype, positionIds.device);
        using var flat = positionIds.reshape(-1);
        return (tables.Cos.index_select(0, flat), tables.SignedSin.index_select(0, flat));
    }

    /// <summary>Makes sure the tables cover positions below <paramref name="bound"/> (sessions call it once for their capacity).</summary>
    internal void Reserve(long bound, ScalarType dtype, Device device) => TablesFor(bound, dtype, device);

    /// <summary>Frees every table (the model is being disposed).</summary>
    internal void ReleaseTables()
    {
        lock (_gate)
        {
            foreach (var t in _all)
            {
                t.Cos.Dispose();
                t.SignedSin.Dispose();
            }
            _all.Clear();
            _tables = null;
        }
    }

    private Tables TablesFor(long bound, ScalarType dtype, Device device)
    {
        var current = _tables;
        if (current is not null && current.Length >= bound && current.DType == dtype && current.Device.type == device.type && current.Device.index == device.index)
            return current;
        lock (_gate)
        {
            current = _tables;
            if (current is not null && current.Length >= bound && current.DType == dtype && current.Device.type == device.type && current.Device.index == device.index)
                return current;
            long length = Math.Max(256, (long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)Math.Max(1, bound)));
            if (current is not null && current.DType == dtype && current.Device.type == device.type) length = Math.Max(length, current.Length);
            // Plain tensors (not inference tensors, not in the caller's dispose scope): they outlive this call and may be
            // read under autograd. Older tables stay alive (a concurrent session may be reading them) until ReleaseTables.
            using var normal = inference_mode(false);
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            var positions = TorchScalars.Range(0, length, device).to(ScalarType.Float64);
            var (cos, signedSin) = Compute(positions.unsqueeze(0), dtype);
            var built = new Tables(length, dtype, device,
                cos.reshape(length, -1).contiguous().DetachFromDisposeScope(), signedSin.reshape(length, -1).contiguous().DetachFromDisposeScope());
            _all.Add(built);
            _tables = built;
            return built;
        }
    }

    /// <summary>
    /// Rotates <paramref name="x"/> <c>[B, heads, T, head_dim]</c>: <c>x·cos + rotate_half(x)·sin</c>, computed as
    /// <c>x·cos + roll(x, head_dim/2)·signedSin</c> (<c>roll</c> swaps the halves; the sign lives in <paramref name="signedSin"/>).
    /// </summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor signedSin)
    {
        using var scope = NewDisposeScope();
        long half = x.shape[^1] / 2;
        return (x * cos).addcmul_(x.roll(half, -1), signedSin, TorchScalars.One).MoveToOuterDisposeScope();
    }
}
