using System.Text;

namespace Aligner.Checkpoints.TorchPickle;

/// <summary>
/// Opens a <c>torch.save</c> state dict (<c>pytorch_model.bin</c>: a zip archive with <c>data.pkl</c> and one stored
/// member per storage) for reading in place: the pickle is interpreted by <see cref="RestrictedUnpickler"/> (data only,
/// <c>weights_only=True</c> semantics), and each tensor becomes a byte range of the archive, served like a safetensors
/// tensor. Errors name the file and the tensor or archive member.
/// </summary>
public static class TorchCheckpointFile
{
    /// <summary>Largest <c>data.pkl</c> accepted (a 70B state dict's pickle is a few hundred KB).</summary>
    public const long MaxPickleBytes = 64L << 20;

    /// <summary>Opens and validates a <c>pytorch_model.bin</c> file.</summary>
    /// <exception cref="ModelFormatException">Not a zip archive, truncated, no <c>data.pkl</c>, a malformed pickle, or a tensor outside its storage.</exception>
    /// <exception cref="NotSupportedModelException">The pickle names a global other than the tensor-rebuild ones, or uses an opcode outside the data subset;
    /// the legacy (pre-1.6) format; compressed members; big-endian data; non-contiguous tensors.</exception>
    public static SafeTensorsFile Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new ModelFormatException(path, null, "file not found.");
        var tensors = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            Span<byte> head = stackalloc byte[4];
            int got = stream.ReadAtLeast(head, 4, throwOnEndOfStream: false);
            if (got < 4 || head[0] != 'P' || head[1] != 'K' || head[2] != 3 || head[3] != 4)
            {
                if (got >= 1 && head[0] == 0x80)
                    throw new NotSupportedModelException(path, null,
                        "is in the legacy torch.save format (PyTorch before 1.6), which is a bare pickle stream; it is not read. Convert the checkpoint to safetensors, " +
                        "e.g. in Python: AutoModelForCausalLM.from_pretrained(folder).save_pretrained(folder, safe_serialization=True).");
                throw new ModelFormatException(path, null, "is not a torch.save zip archive (it does not start with a zip header).");
            }
            var members = StoredZip.Read(path, stream);
            var pickles = members.Values.Where(m => m.Name.EndsWith("/data.pkl", StringComparison.Ordinal) && m.Name.Count(c => c == '/') == 1).ToList();
            if (pickles.Count != 1)
                throw new ModelFormatException(path, "data.pkl", pickles.Count == 0 ? "the archive has no <folder>/data.pkl: not a torch.save file." : "the archive has more than one data.pkl.");
            var pickle = pickles[0];
            string prefix = pickle.Name[..^"data.pkl".Length];
            if (members.TryGetValue(prefix + "byteorder", out var byteOrder))
            {
                var order = Encoding.ASCII.GetString(StoredZip.ReadMember(path, stream, byteOrder, 16));
                if (order != "little") throw new NotSupportedModelException(path, byteOrder.Name, $"byte order '{order}' is not supported (little-endian only).");
            }
            var root = RestrictedUnpickler.Load(path, pickle.Name, StoredZip.ReadMember(path, stream, pickle, MaxPickleBytes));
            if (root is not PickleDict dict)
                throw new ModelFormatException(path, pickle.Name, "does not hold a state dict (a mapping from tensor names to tensors).");
            foreach (var (keyObject, value) in dict.Items)
            {
                var name = keyObject as string ?? throw new ModelFormatException(path, pickle.Name, "a state dict key is not a string.");
                if (value is not TensorRef tensor)
                    throw new ModelFormatException(path, name, "is not a tensor: only flat state dicts of tensors are read (nested dicts, e.g. {'state_dict': ...}, are not).");
                if (!tensors.TryAdd(name, Locate(path, prefix, members, name, tensor)))
                    throw new ModelFormatException(path, name, "appears twice in the state dict.");
            }
        }
        return SafeTensorsFile.OpenRanges(path, tensors, new Dictionary<string, string>(StringComparer.Ordinal) { ["format"] = "pt" });
    }

    private static SafeTensorInfo Locate(string path, string prefix, Dictionary<string, ZipMember> members, string name, TensorRef t)
    {
        var storageName = prefix + "data/" + t.Storage.Key;
        if (!members.TryGetValue(storageName, out var member))
            throw new ModelFormatException(path, name, $"its storage '{storageName}' is not in the archive.");
        if (member.Method != 0) throw new NotSupportedModelException(path, name, $"its storage '{storageName}' is compressed; torch.save stores storages uncompressed.");
        int size = t.Storage.DType.SizeInBytes();
        try
        {
            long storageBytes = checked(t.Storage.ElementCount * size);
            if (member.Size != member.CompressedSize || member.Size < storageBytes)
                throw new ModelFormatException(path, name, $"its storage '{storageName}' holds {member.Size} bytes but declares {t.Storage.ElementCount} elements of {t.Storage.DType}.");
            long elements = 1;
            foreach (long d in t.Shape) elements = checked(elements * d);
            // Row-major contiguous strides (dimensions of size 1 may carry any stride).
            long expected = 1;
            for (int i = t.Shape.Length - 1; i >= 0; i--)
            {
                if (t.Shape[i] != 1 && t.Stride[i] != expected && elements > 0)
                    throw new NotSupportedModelException(path, name, $"is not contiguous (shape [{string.Join(", ", t.Shape)}], stride [{string.Join(", ", t.Stride)}]); save it with .contiguous().");
                expected = checked(expected * t.Shape[i]);
            }
            if (checked(t.StorageOffset + elements) > t.Storage.ElementCount)
                throw new ModelFormatException(path, name, $"reaches past the end of its storage ({t.StorageOffset} + {elements} > {t.Storage.ElementCount} elements).");
            return new SafeTensorInfo(name, t.Storage.DType, t.Shape, checked(member.DataOffset + t.StorageOffset * size), checked(elements * size), path);
        }
        catch (OverflowException)
        {
            throw new ModelFormatException(path, name, "shape or offset is too large.");
        }
    }
}
