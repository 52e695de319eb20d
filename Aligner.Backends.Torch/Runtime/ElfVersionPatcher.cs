using System.Buffers.Binary;
using System.Text;

namespace Aligner.Backends.Torch.Runtime;

/// <summary>
/// Marks version requirements of an ELF64 little-endian shared library as weak (<c>VER_FLG_WEAK</c> in the
/// <c>Elf64_Vernaux.vna_flags</c> of <c>.gnu.version_r</c>), so the dynamic loader accepts a system library
/// that lacks that version. Used only for versions known to guard no symbol the library calls.
/// </summary>
internal static class ElfVersionPatcher
{
    private const uint SectionTypeVersionNeeded = 0x6ffffffe;
    private const ushort VersionFlagWeak = 0x2;

    /// <summary>Sets the weak flag on every requirement named in <paramref name="versions"/>; returns how many entries were changed.</summary>
    /// <exception cref="InvalidDataException">The image is not a little-endian ELF64 file with a version-needed section.</exception>
    public static int MarkWeak(byte[] image, IReadOnlySet<string> versions)
    {
        var span = image.AsSpan();
        if (span.Length < 64 || span[0] != 0x7f || span[1] != (byte)'E' || span[2] != (byte)'L' || span[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file.");
        if (span[4] != 2 || span[5] != 1) throw new InvalidDataException("not a little-endian ELF64 file.");
        long sectionHeaders = (long)BinaryPrimitives.ReadUInt64LittleEndian(span[0x28..]);
        int entrySize = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3A..]);
        int count = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3C..]);
        if (entrySize < 64 || sectionHeaders <= 0 || sectionHeaders + (long)entrySize * count > span.Length)
            throw new InvalidDataException("section header table is out of the file.");
        int changed = 0;
        bool found = false;
        for (int s = 0; s < count; s++)
        {
            var header = span.Slice((int)(sectionHeaders + (long)s * entrySize), 64);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) != SectionTypeVersionNeeded) continue;
            found = true;
            long offset = (long)BinaryPrimitives.ReadUInt64LittleEndian(header[0x18..]);
            long size = (long)BinaryPrimitives.ReadUInt64LittleEndian(header[0x20..]);
            int link = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[0x28..]);
            long entries = BinaryPrimitives.ReadUInt32LittleEndian(header[0x2C..]); // sh_info: number of Verneed entries
            var strings = span.Slice((int)(sectionHeaders + (long)link * entrySize), 64);
            long stringsOffset = (long)BinaryPrimitives.ReadUInt64LittleEndian(strings[0x18..]);
            long stringsSize = (long)BinaryPrimitives.ReadUInt64LittleEndian(strings[0x20..]);
            if (offset < 0 || offset + size > span.Length || stringsOffset < 0 || stringsOffset + stringsSize > span.Length)
                throw new InvalidDataException(".gnu.version_r is out of the file.");
            long need = offset;
            for (long n = 0; n < entries && need + 16 <= offset + size; n++)
            {
                int auxCount = BinaryPrimitives.ReadUInt16LittleEndian(span[(int)(need + 2)..]);
                long aux = need + BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(need + 8)..]);
                for (int a = 0; a < auxCount && aux + 16 <= offset + size; a++)
                {
                    long nameOffset = stringsOffset + BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(aux + 8)..]);
                    if (nameOffset < stringsOffset + stringsSize && versions.Contains(ReadString(span, nameOffset, stringsOffset + stringsSize)))
                    {
                        var flags = span.Slice((int)(aux + 4), 2);
                        ushort value = BinaryPrimitives.ReadUInt16LittleEndian(flags);
                        BinaryPrimitives.WriteUInt16LittleEndian(flags, (ushort)(value | VersionFlagWeak));
                        changed++;
                    }
                    uint nextAux = BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(aux + 12)..]);
                    if (nextAux == 0) break;
                    aux += nextAux;
                }
                uint next = BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(need + 12)..]);
                if (next == 0) break;
                need += next;
            }
        }
        if (!found) throw new InvalidDataException("no .gnu.version_r section.");
        return changed;
    }

    private static string ReadString(ReadOnlySpan<byte> span, long start, long limit)
    {
        long end = start;
        while (end < limit && span[(int)end] != 0) end++;
        return Encoding.ASCII.GetString(span[(int)start..(int)end]);
    }
}
