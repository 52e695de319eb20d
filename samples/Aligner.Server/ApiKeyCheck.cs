using System.Security.Cryptography;
using System.Text;

namespace Aligner.Server;

/// <summary>Checks a caller's <c>Authorization: Bearer</c> key in constant time (the key's length included).</summary>
internal sealed class ApiKeyCheck(string key)
{
    private readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>Whether <paramref name="authorization"/> is <c>Bearer {key}</c>.</summary>
    public bool Allows(string? authorization)
    {
        const string scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return false;
        // Both sides hashed to 32 bytes: the comparison takes the same time whatever the length of the key sent.
        var given = SHA256.HashData(Encoding.UTF8.GetBytes(authorization[scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(given, _expected);
    }
}
