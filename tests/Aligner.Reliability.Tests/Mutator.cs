using System.Text;

namespace Aligner.Reliability.Tests;

/// <summary>Seeded mutations of valid files: bit flips, interesting bytes, truncation, insertion, chunk duplication, and JSON-aware edits.</summary>
internal sealed class Mutator(int seed)
{
    private static readonly byte[] Interesting = [0x00, 0x01, 0x7F, 0x80, 0xFF, (byte)'"', (byte)'{', (byte)'[', (byte)'-', (byte)'9'];
    private static readonly string[] JsonValues = ["-1", "0", "1e300", "99999999999999999999", "2147483648", "-2147483649", "null", "true", "\"\"", "[]", "{}", "\"../../../etc/passwd\"", "1.5", "NaN"];
    private readonly Random _random = new(seed);

    public byte[] Mutate(byte[] valid, bool json)
    {
        if (json && _random.Next(2) == 0) return MutateJson(valid);
        var bytes = (byte[])valid.Clone();
        switch (_random.Next(6))
        {
            case 0:
                for (int i = 0, n = 1 + _random.Next(8); i < n; i++) bytes[_random.Next(bytes.Length)] ^= (byte)(1 << _random.Next(8));
                return bytes;
            case 1:
                for (int i = 0, n = 1 + _random.Next(4); i < n; i++) bytes[HeadBiased(bytes.Length)] = Interesting[_random.Next(Interesting.Length)];
                return bytes;
            case 2:
                return bytes[..HeadBiased(bytes.Length)];
            case 3:
            {
                int at = HeadBiased(bytes.Length);
                var insert = new byte[1 + _random.Next(16)];
                _random.NextBytes(insert);
                return [.. bytes[..at], .. insert, .. bytes[at..]];
            }
            case 4:
            {
                // An 8-byte little-endian field (lengths, counts, offsets) set to an extreme value.
                int at = HeadBiased(Math.Max(1, bytes.Length - 8));
                var value = _random.Next(3) switch { 0 => ulong.MaxValue, 1 => (ulong)long.MaxValue, _ => (ulong)_random.NextInt64() };
                BitConverter.TryWriteBytes(bytes.AsSpan(at, Math.Min(8, bytes.Length - at)), value);
                return bytes;
            }
            default:
            {
                int start = HeadBiased(bytes.Length), length = Math.Min(1 + _random.Next(64), bytes.Length - start);
                return [.. bytes[..(start + length)], .. bytes[start..]];
            }
        }
    }

    /// <summary>Replaces a JSON number or string with a hostile value, or nests the document deeply.</summary>
    private byte[] MutateJson(byte[] valid)
    {
        var text = Encoding.UTF8.GetString(valid);
        if (_random.Next(8) == 0) return Encoding.UTF8.GetBytes(new string('[', 100_000) + text);
        var positions = new List<int>();
        for (int i = 0; i < Math.Min(text.Length, 20_000); i++)
            if (text[i] == ':') positions.Add(i);
        if (positions.Count == 0) return valid;
        int colon = positions[_random.Next(positions.Count)];
        int end = colon + 1;
        while (end < text.Length && text[end] is ' ') end++;
        int valueEnd = end;
        if (valueEnd < text.Length && text[valueEnd] == '"')
        {
            valueEnd++;
            while (valueEnd < text.Length && text[valueEnd] != '"') valueEnd += text[valueEnd] == '\\' ? 2 : 1;
            valueEnd++;
        }
        else
        {
            while (valueEnd < text.Length && text[valueEnd] is not (',' or '}' or ']' or '\n')) valueEnd++;
        }
        valueEnd = Math.Min(valueEnd, text.Length);
        return Encoding.UTF8.GetBytes(text[..end] + JsonValues[_random.Next(JsonValues.Length)] + text[valueEnd..]);
    }

    /// <summary>Positions near the start (headers) are chosen more often than the bulk of tensor data.</summary>
    private int HeadBiased(int length) => _random.Next(3) == 0 ? _random.Next(length) : _random.Next(Math.Min(length, 4096));
}
