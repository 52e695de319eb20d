namespace Aligner.Tokenization;

/// <summary>GPT-2's reversible map between bytes and printable characters (<c>bytes_to_unicode</c>).</summary>
internal static class ByteLevelAlphabet
{
    /// <summary>The character that stands for each byte value.</summary>
    public static readonly char[] ByteToChar = BuildByteToChar();

    /// <summary>The byte value of each mapped character; -1 for characters outside the alphabet.</summary>
    public static readonly short[] CharToByte = BuildCharToByte();

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        var printable = new bool[256];
        for (int b = '!'; b <= '~'; b++) printable[b] = true;
        for (int b = 0xA1; b <= 0xAC; b++) printable[b] = true;
        for (int b = 0xAE; b <= 0xFF; b++) printable[b] = true;
        int next = 0;
        for (int b = 0; b < 256; b++)
            map[b] = printable[b] ? (char)b : (char)(256 + next++);
        return map;
    }

    private static short[] BuildCharToByte()
    {
        var inverse = new short[512];
        Array.Fill(inverse, (short)-1);
        for (int b = 0; b < 256; b++) inverse[ByteToChar[b]] = (short)b;
        return inverse;
    }

    /// <summary>Maps UTF-8 bytes of <paramref name="text"/> to alphabet characters.</summary>
    public static string Encode(string text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        return string.Create(bytes.Length, bytes, static (span, b) =>
        {
            for (int i = 0; i < b.Length; i++) span[i] = ByteToChar[b[i]];
        });
    }

    /// <summary>Appends the bytes a token stands for; false (nothing appended) when a character is outside the alphabet.</summary>
    public static bool TryAppendBytes(string token, List<byte> output)
    {
        foreach (var c in token)
            if (c >= CharToByte.Length || CharToByte[c] < 0) return false;
        foreach (var c in token) output.Add((byte)CharToByte[c]);
        return true;
    }
}
