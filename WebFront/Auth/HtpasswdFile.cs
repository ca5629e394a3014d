using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Inspector.Grains.Configuration;

namespace Inspector.WebFront.Auth;

/// <summary>
/// The users of <c>[DEFAULT] http_basic_auth_user_file</c>: an Apache htpasswd file with bcrypt
/// entries, as ironic-inspector's http_basic strategy reads it.
/// </summary>
public sealed class HtpasswdFile
{
    private const int MaxCachedCredentials = 10_000;
    private readonly Dictionary<string, string> _hashes;

    // bcrypt is deliberately slow (~50 ms); a client sends the same credentials on every request,
    // so a success is remembered by a digest of user, password and hash.
    private readonly ConcurrentDictionary<string, bool> _verified = new();

    private HtpasswdFile(Dictionary<string, string> hashes) => _hashes = hashes;

    public static HtpasswdFile Load(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidConfigurationException(
                $"Cannot read [DEFAULT] http_basic_auth_user_file {path}: {e.Message}");
        }

        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines.Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var hash = line[(colon + 1)..];
            if (!hash.StartsWith("$2", StringComparison.Ordinal))
            {
                throw new InvalidConfigurationException(
                    $"[DEFAULT] http_basic_auth_user_file {path}: only bcrypt entries are supported (user {line[..colon]})");
            }

            hashes[line[..colon]] = hash;
        }

        return new HtpasswdFile(hashes);
    }

    public bool Verify(string user, string password)
    {
        if (!_hashes.TryGetValue(user, out var hash))
        {
            return false;
        }

        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{user}\n{password}\n{hash}")));
        if (_verified.ContainsKey(key))
        {
            return true;
        }

        bool ok;
        try
        {
            ok = BCrypt.Net.BCrypt.Verify(password, hash);
        }
        catch (BCrypt.Net.SaltParseException)
        {
            ok = false;
        }

        if (ok && _verified.Count < MaxCachedCredentials)
        {
            _verified.TryAdd(key, true);
        }

        return ok;
    }
}
