using System.Buffers.Binary;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Aligner.Backends.Onnx;

/// <summary>
/// Reads the manifest resources embedded in a .NET assembly file as data, without loading the assembly: the
/// resources live in the CLI header's resources directory, each at its offset and prefixed by a 4-byte little-endian
/// length (ECMA-335 §II.24.2.4 / §II.25.3.3).
/// </summary>
internal static class ManagedResourceReader
{
    /// <summary>
    /// The assembly's module version id (a new one for every build of it): identifies its content, so a cache keyed by
    /// it is shared by every copy of the same DLL. Reads the metadata only.
    /// </summary>
    /// <exception cref="ModelFormatException">The file is not a .NET assembly.</exception>
    public static Guid ModuleVersionId(string assemblyPath)
    {
        try
        {
            using var stream = File.OpenRead(assemblyPath);
            using var pe = new PEReader(stream);
            if (!pe.HasMetadata) throw new ModelFormatException(assemblyPath, null, "is not a .NET assembly (no CLI header).");
            var metadata = pe.GetMetadataReader();
            return metadata.GetGuid(metadata.GetModuleDefinition().Mvid);
        }
        catch (Exception e) when (e is BadImageFormatException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            throw new ModelFormatException(assemblyPath, null, $"cannot be read as a .NET assembly: {e.Message}", e);
        }
    }

    /// <summary>The named embedded resources of <paramref name="assemblyPath"/>, as byte arrays.</summary>
    /// <exception cref="ModelFormatException">The file is not a .NET assembly, or a resource is missing or truncated.</exception>
    public static Dictionary<string, byte[]> Read(string assemblyPath, IReadOnlyCollection<string> names)
    {
        try
        {
            using var stream = File.OpenRead(assemblyPath);
            using var pe = new PEReader(stream);
            if (!pe.HasMetadata || pe.PEHeaders.CorHeader is not { } cor)
                throw new ModelFormatException(assemblyPath, null, "is not a .NET assembly (no CLI header).");
            var metadata = pe.GetMetadataReader();
            var resources = cor.ResourcesDirectory;
            var found = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var handle in metadata.ManifestResources)
            {
                var resource = metadata.GetManifestResource(handle);
                string name = metadata.GetString(resource.Name);
                if (!names.Contains(name) || !resource.Implementation.IsNil) continue;
                if (resources.Size <= 0 || resource.Offset < 0 || resource.Offset > resources.Size - 4)
                    throw new ModelFormatException(assemblyPath, name, "the embedded resource lies outside the resources directory.");
                var block = pe.GetSectionData(resources.RelativeVirtualAddress);
                if (block.Length < resources.Size)
                    throw new ModelFormatException(assemblyPath, name, "the resources directory is truncated.");
                var data = block.GetReader((int)resource.Offset, resources.Size - (int)resource.Offset);
                int length = BinaryPrimitives.ReadInt32LittleEndian(data.ReadBytes(4));
                if (length < 0 || length > data.RemainingBytes)
                    throw new ModelFormatException(assemblyPath, name, $"the embedded resource claims {length} bytes but {data.RemainingBytes} remain.");
                found[name] = data.ReadBytes(length);
            }
            foreach (var name in names)
                if (!found.ContainsKey(name))
                    throw new ModelFormatException(assemblyPath, name, "the assembly has no such embedded resource.");
            return found;
        }
        catch (Exception e) when (e is BadImageFormatException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            throw new ModelFormatException(assemblyPath, null, $"cannot be read as a .NET assembly: {e.Message}", e);
        }
    }
}
