using System.Runtime.InteropServices;
using Aligner.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Aligner.Backends.Torch.Modeling;

/// <summary>
/// Loads a checkpoint without copying it: each weight file is memory-mapped (<c>torch.from_file</c>, a private
/// copy-on-write mapping) and every parameter becomes a view of its bytes in the file. Loading then costs page-table
/// entries, not a read of every byte into fresh memory, and the weights are the checkpoint's page cache: they are not held
/// twice (file cache plus anonymous copy), and under memory pressure the kernel drops and re-reads them instead of swapping.
/// Writes to a parameter (training, <c>Module.to</c> in place) copy the touched pages; the files are never modified.
/// </summary>
/// <remarks>
/// Applies on the CPU when every tensor is stored in the model's dtype, at an offset aligned to its element size
/// (safetensors and <c>pytorch_model.bin</c> files both qualify). Projections of the same input that the model packs into
/// one matrix (q/k/v, gate/up) stay packed when the file holds them adjacent and in order (gate/up in Hugging Face's
/// name-sorted files; q/k/v in checkpoints Aligner writes); otherwise they run as separate matrices. A file must not be
/// truncated or rewritten in place while a model is mapped from it (reading a page past its new end kills the process);
/// Aligner's own writers replace files atomically, which is safe.
/// </remarks>
internal static partial class MappedCheckpointLoader
{
    /// <summary>
    /// Why <paramref name="weights"/> cannot be mapped into <paramref name="model"/>, or <see langword="null"/> when it can
    /// (checked from the headers alone; the tensors' names and shapes are validated by <see cref="CheckpointLoader.Validate"/>).
    /// </summary>
    public static string? WhyNot(CausalLanguageModel model, CheckpointWeights weights)
    {
        if (model.Device.type != DeviceType.CPU) return "the model is not on the CPU";
        if (!OperatingSystem.IsLinux()) return "memory-mapped weights are used on Linux only";
        foreach (var (name, p) in model.named_parameters())
        {
            if (!weights.Contains(name)) return $"'{name}' is missing";
            var info = weights.GetInfo(name);
            var stored = TorchDTypes.FromSafeTensors(info.DType);
            if (stored != p.dtype) return $"'{name}' is stored as {info.DType}, not the model's {p.dtype}";
            if (info.FileOffset % p.ElementSize != 0) return $"'{name}' starts at byte {info.FileOffset} of {Path.GetFileName(info.FilePath)}, not a multiple of its element size";
        }
        return null;
    }

    /// <summary>Runs before the files are mapped (tests make mapping fail with it). Per thread.</summary>
    [ThreadStatic] internal static Action? BeforeMapping;

    /// <summary>
    /// Points every parameter of <paramref name="model"/> at its bytes in the mapped checkpoint files. The caller checks
    /// <see cref="WhyNot"/> first.
    /// </summary>
    /// <exception cref="ModelFormatException">The checkpoint does not match the model, or a file is shorter than its header says.</exception>
    public static void Load(CausalLanguageModel model, CheckpointWeights weights)
    {
        var parameters = CheckpointLoader.Validate(model, weights);
        BeforeMapping?.Invoke();
        if (WhyNot(model, weights) is { } reason) throw new InvalidOperationException($"The checkpoint cannot be memory-mapped: {reason}.");
        using var noGrad = no_grad();
        var maps = new Dictionary<(string File, ScalarType DType), Tensor>();
        try
        {
            var done = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < model.Model.Layers.Count; i++)
            {
                var layer = model.Model.Layers[i];
                string prefix = $"model.layers.{i}.";
                MapPacked(layer.SelfAttention.Qkv, [.. new[] { "q_proj", "k_proj", "v_proj" }.Select(n => prefix + "self_attn." + n)], weights, parameters, maps, done);
                MapPacked(layer.Mlp.GateUp, [.. new[] { "gate_proj", "up_proj" }.Select(n => prefix + "mlp." + n)], weights, parameters, maps, done);
            }
            foreach (var (name, p) in parameters)
            {
                if (done.Contains(name)) continue;
                using var view = View(weights, name, p.dtype, maps);
                p.set_(view);
            }
        }
        finally
        {
            // The parameters hold the mappings' storage; these handles are no longer needed.
            foreach (var map in maps.Values) map.Dispose();
        }
    }

    // One matrix for the parts when their weights (and biases) follow each other in one file, in the model's order;
    // otherwise each part gets its own view and the packed matrix is given up.
    private static void MapPacked(PackedProjections packed, string[] parts, CheckpointWeights weights, Dictionary<string, Parameter> parameters,
        Dictionary<(string, ScalarType), Tensor> maps, HashSet<string> done)
    {
        var weightNames = parts.Select(p => p + ".weight").ToArray();
        string[]? biasNames = packed.Bias is null ? null : [.. parts.Select(p => p + ".bias")];
        var dtype = packed.Weight.dtype;
        if (Adjacent(weights, weightNames) && (biasNames is null || Adjacent(weights, biasNames)))
        {
            using var weight = Span(weights, weightNames, dtype, packed.Weight.shape, maps);
            using var bias = biasNames is null ? null : Span(weights, biasNames, dtype, packed.Bias!.shape, maps);
            packed.MapOnto(weight, bias);
        }
        else
        {
            packed.Separate();
            foreach (var name in biasNames is null ? weightNames : weightNames.Concat(biasNames))
            {
                using var view = View(weights, name, dtype, maps);
                parameters[name].set_(view);
            }
        }
        done.UnionWith(weightNames);
        if (biasNames is not null) done.UnionWith(biasNames);
    }

    private static bool Adjacent(CheckpointWeights weights, string[] names)
    {
        var infos = names.Select(weights.GetInfo).ToArray();
        for (int i = 1; i < infos.Length; i++)
            if (infos[i].FilePath != infos[0].FilePath || infos[i].FileOffset != infos[i - 1].FileOffset + infos[i - 1].ByteLength) return false;
        return true;
    }

    // The rows of several adjacent tensors as one [rows, in] view (or [rows] for biases).
    private static Tensor Span(CheckpointWeights weights, string[] names, ScalarType dtype, long[] shape, Dictionary<(string, ScalarType), Tensor> maps)
    {
        var first = weights.GetInfo(names[0]);
        long bytes = names.Sum(n => weights.GetInfo(n).ByteLength);
        using var flat = Slice(first.FilePath, first.FileOffset, bytes, dtype, maps, names[0]);
        return flat.view(shape);
    }

    private static Tensor View(CheckpointWeights weights, string name, ScalarType dtype, Dictionary<(string, ScalarType), Tensor> maps)
    {
        var info = weights.GetInfo(name);
        using var flat = Slice(info.FilePath, info.FileOffset, info.ByteLength, dtype, maps, name);
        return flat.view([.. info.Shape]);
    }

    private static Tensor Slice(string file, long offset, long bytes, ScalarType dtype, Dictionary<(string, ScalarType), Tensor> maps, string name)
    {
        if (!maps.TryGetValue((file, dtype), out var map))
        {
            long length = new FileInfo(file).Length;
            int size = ElementSize(dtype);
            map = from_file(file, shared: false, size: length / size, dtype: dtype);
            maps[(file, dtype)] = map;
            // Start reading the file into the page cache now, asynchronously, if it is not there yet.
            Advise(map, MadvWillNeed);
        }
        int element = ElementSize(dtype);
        long start = offset / element, count = bytes / element;
        if (start + count > map.numel())
            throw new ModelFormatException(file, name, $"the file ends before the tensor does (byte {offset + bytes} of {map.numel() * element}): it was truncated after it was opened.");
        return map.narrow(0, start, count);
    }

    /// <summary>
    /// Quantizes a mapped model's projections and head to int8 layer by layer (<see cref="CausalLanguageModel.QuantizeInt8"/>),
    /// reading the 16-bit weights straight from the mapping, and drops each layer's mapped pages from the process once
    /// its int8 copy exists: the load never holds more than the int8 model, the mapped embeddings and norms, and one
    /// layer's pages. The pages stay in the page cache; nothing is written back (the mapping is private and unmodified).
    /// </summary>
    public static void QuantizeInt8(CausalLanguageModel model)
    {
        using var noGrad = no_grad();
        var projections = model.named_parameters()
            .Where(p => p.name.StartsWith("model.layers.", StringComparison.Ordinal) && p.name.Contains("_proj.", StringComparison.Ordinal))
            .GroupBy(p => int.Parse(p.name.Split('.')[2], System.Globalization.CultureInfo.InvariantCulture))
            .ToDictionary(g => g.Key, g => g.Select(p => p.parameter).ToList());
        for (int i = 0; i < model.Model.Layers.Count; i++)
        {
            var ranges = projections.TryGetValue(i, out var list) ? list.Select(Range).ToList() : [];
            model.QuantizeLayerInt8(i);
            foreach (var range in ranges) Discard(range);
        }
        var head = model.LmHead is { } lmHead ? Range(lmHead.Weight) : default;
        model.QuantizeHeadInt8();
        Discard(head);
    }

    private static unsafe (nint Address, long Bytes) Range(Tensor t)
    {
        long bytes = t.numel() * t.ElementSize;
        if (bytes == 0 || bytes > int.MaxValue) return default;
        return ((nint)System.Runtime.CompilerServices.Unsafe.AsPointer(ref MemoryMarshal.GetReference(t.bytes)), bytes);
    }

    // Drops the whole pages inside a range from this process's mapping (they are re-read from the file if touched again).
    private static void Discard((nint Address, long Bytes) range)
    {
        if (range.Bytes == 0 || !OperatingSystem.IsLinux()) return;
        long page = Environment.SystemPageSize;
        long start = (range.Address + page - 1) & ~(page - 1);
        long end = (range.Address + range.Bytes) & ~(page - 1);
        if (end <= start) return;
        try { _ = Madvise((nint)start, (nuint)(end - start), MadvDontNeed); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }

    private const int MadvDontNeed = 4;

    private static int ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 => 8,
        ScalarType.Float32 => 4,
        ScalarType.BFloat16 or ScalarType.Float16 => 2,
        _ => throw new NotSupportedException($"{dtype} weights are not mapped."),
    };

    private const int MadvWillNeed = 3;

    private static unsafe void Advise(Tensor map, int advice)
    {
        try
        {
            long bytes = map.numel() * map.ElementSize;
            if (bytes == 0) return;
            using var first = map.narrow(0, 0, 1);
            nint address = (nint)System.Runtime.CompilerServices.Unsafe.AsPointer(ref MemoryMarshal.GetReference(first.bytes));
            long page = Environment.SystemPageSize;
            long start = address & ~(page - 1);
            _ = Madvise((nint)start, (nuint)(address + bytes - start), advice);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}
