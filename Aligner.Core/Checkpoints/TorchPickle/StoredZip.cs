using System.Buffers.Binary;
using System.Text;

namespace Aligner.Checkpoints.TorchPickle;

/// <summary>One member of a zip archive: where its bytes are and whether they are stored uncompressed.</summary>
/// <param name="Name">The member's path inside the archive.</param>
/// <param name="Method">The compression method (0 = stored).</param>
/// <param name="CompressedSize">Bytes in the archive.</param>
/// <param name="Size">Bytes once extracted.</param>
/// <param name="DataOffset">Offset of the member's first data byte in the archive file.</param>
internal sealed record ZipMember(string Name, int Method, long CompressedSize, long Size, long DataOffset);

/// <summary>
/// A minimal, bounds-checked zip central-directory reader (ZIP64 included) for the archives <c>torch.save</c> writes:
/// it locates each member's data so that stored (uncompressed) tensor storages can be read in place.
/// </summary>
internal static class StoredZip
{
    private const uint EndOfCentralDirectory = 0x06054b50, Zip64Locator = 0x07064b50, Zip64End = 0x06064b50;
    private const uint CentralHeader = 0x02014b50, LocalHeader = 0x04034b50;
    private const int MaxMembers = 1_000_000;

    public static Dictionary<string, ZipMember> Read(string path, FileStream stream)
    {
        long length = stream.Length;
        // The end record is in the last 22 + 65535 bytes.
        int tailLength = (int)Math.Min(length, 22 + 65535);
        var tail = ReadAt(stream, length - tailLength, tailLength, path);
        int eocd = -1;
        for (int i = tail.Length - 22; i >= 0; i--)
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i)) == EndOfCentralDirectory) { eocd = i; break; }
        if (eocd < 0) throw new ModelFormatException(path, null, "is not a zip archive (no end-of-central-directory record): not a torch.save file, or truncated.");
        long entries = BinaryPrimitives.ReadUInt16LittleEndian(tail.AsSpan(eocd + 10));
        long directorySize = BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(eocd + 12));
        long directoryOffset = BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(eocd + 16));
        long eocdPosition = length - tailLength + eocd;
        if (entries == 0xFFFF || directorySize == 0xFFFFFFFF || directoryOffset == 0xFFFFFFFF)
        {
            if (eocdPosition < 20) throw new ModelFormatException(path, null, "zip64 locator is missing.");
            var locator = ReadAt(stream, eocdPosition - 20, 20, path);
            if (BinaryPrimitives.ReadUInt32LittleEndian(locator) != Zip64Locator) throw new ModelFormatException(path, null, "zip64 locator is missing.");
            long end64 = (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(locator.AsSpan(8)), long.MaxValue);
            if (end64 < 0 || end64 > length - 56) throw new ModelFormatException(path, null, "zip64 end record points outside the file.");
            var record = ReadAt(stream, end64, 56, path);
            if (BinaryPrimitives.ReadUInt32LittleEndian(record) != Zip64End) throw new ModelFormatException(path, null, "zip64 end record is invalid.");
            entries = (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(32)), long.MaxValue);
            directorySize = (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(40)), long.MaxValue);
            directoryOffset = (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(48)), long.MaxValue);
        }
        if (entries > MaxMembers) throw new ModelFormatException(path, null, $"zip archive claims {entries} members (limit {MaxMembers}).");
        if (directoryOffset > length || directorySize > length - directoryOffset || directorySize > int.MaxValue)
            throw new ModelFormatException(path, null, "zip central directory points outside the file: truncated or corrupted.");
        var directory = ReadAt(stream, directoryOffset, (int)directorySize, path);
        var members = new Dictionary<string, ZipMember>(StringComparer.Ordinal);
        int at = 0;
        for (long i = 0; i < entries; i++)
        {
            if (at + 46 > directory.Length || BinaryPrimitives.ReadUInt32LittleEndian(directory.AsSpan(at)) != CentralHeader)
                throw new ModelFormatException(path, null, $"zip central directory entry {i} is invalid.");
            var h = directory.AsSpan(at);
            int flags = BinaryPrimitives.ReadUInt16LittleEndian(h[8..]);
            int method = BinaryPrimitives.ReadUInt16LittleEndian(h[10..]);
            long compressed = BinaryPrimitives.ReadUInt32LittleEndian(h[20..]);
            long size = BinaryPrimitives.ReadUInt32LittleEndian(h[24..]);
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(h[28..]);
            int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(h[30..]);
            int commentLength = BinaryPrimitives.ReadUInt16LittleEndian(h[32..]);
            long localOffset = BinaryPrimitives.ReadUInt32LittleEndian(h[42..]);
            if (at + 46 + nameLength + extraLength + commentLength > directory.Length)
                throw new ModelFormatException(path, null, $"zip central directory entry {i} runs past the directory.");
            if ((flags & 1) != 0) throw new NotSupportedModelException(path, null, "the zip archive is encrypted.");
            string name;
            try { name = new UTF8Encoding(false, true).GetString(h.Slice(46, nameLength)); }
            catch (DecoderFallbackException) { throw new ModelFormatException(path, null, $"zip member {i} has a name that is not valid UTF-8."); }
            // ZIP64 extra field (id 1): the 0xFFFFFFFF fields, in order.
            var extra = h.Slice(46 + nameLength, extraLength);
            while (extra.Length >= 4)
            {
                int id = BinaryPrimitives.ReadUInt16LittleEndian(extra);
                int len = BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]);
                if (4 + len > extra.Length) break;
                if (id == 1)
                {
                    var field = extra.Slice(4, len);
                    long Next(ref ReadOnlySpan<byte> f)
                    {
                        if (f.Length < 8) throw new ModelFormatException(path, name, "zip64 extra field is too short.");
                        long v = (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(f), long.MaxValue);
                        f = f[8..];
                        return v;
                    }
                    ReadOnlySpan<byte> f64 = field;
                    if (size == 0xFFFFFFFF) size = Next(ref f64);
                    if (compressed == 0xFFFFFFFF) compressed = Next(ref f64);
                    if (localOffset == 0xFFFFFFFF) localOffset = Next(ref f64);
                }
                extra = extra[(4 + len)..];
            }
            at += 46 + nameLength + extraLength + commentLength;
            if (localOffset > length - 30) throw new ModelFormatException(path, name, "zip member's local header points outside the file.");
            var local = ReadAt(stream, localOffset, 30, path);
            if (BinaryPrimitives.ReadUInt32LittleEndian(local) != LocalHeader) throw new ModelFormatException(path, name, "zip member's local header is invalid.");
            long dataOffset = localOffset + 30 + BinaryPrimitives.ReadUInt16LittleEndian(local.AsSpan(26)) + BinaryPrimitives.ReadUInt16LittleEndian(local.AsSpan(28));
            if (dataOffset > length || compressed > length - dataOffset)
                throw new ModelFormatException(path, name, $"zip member's data ({compressed} bytes at {dataOffset}) runs past the end of the file ({length} bytes): truncated.");
            if (!members.TryAdd(name, new ZipMember(name, method, compressed, size, dataOffset)))
                throw new ModelFormatException(path, name, "appears twice in the zip archive.");
        }
        return members;
    }

    public static byte[] ReadMember(string path, FileStream stream, ZipMember member, long limit)
    {
        if (member.Method != 0) throw new NotSupportedModelException(path, member.Name, $"zip member is compressed (method {member.Method}); torch.save stores members uncompressed.");
        if (member.Size != member.CompressedSize) throw new ModelFormatException(path, member.Name, "stored zip member has different compressed and uncompressed sizes.");
        if (member.Size > limit) throw new ModelFormatException(path, member.Name, $"is {member.Size} bytes; the limit is {limit}.");
        return ReadAt(stream, member.DataOffset, (int)member.Size, path);
    }

    private static byte[] ReadAt(FileStream stream, long offset, int count, string path)
    {
        var buffer = new byte[count];
        stream.Position = offset;
        int read = stream.ReadAtLeast(buffer, count, throwOnEndOfStream: false);
        if (read != count) throw new ModelFormatException(path, null, $"is truncated: expected {count} bytes at offset {offset}.");
        return buffer;
    }
}
