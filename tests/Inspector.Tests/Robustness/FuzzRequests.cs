using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Inspector.Tests.Infrastructure;

namespace Inspector.Tests.Robustness;

/// <summary>One HTTP request as the fuzzer sends it; its text is what a failure report shows.</summary>
public sealed record FuzzRequest(string Method, string Target, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[]? Body)
{
    public override string ToString()
    {
        var text = new StringBuilder($"{Method} {Abbreviate(Target, 300)}");
        foreach (var (name, value) in Headers)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n{name}: {Abbreviate(value, 200)}");
        }

        if (Body is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n[{Body.Length} bytes] {Abbreviate(Encoding.UTF8.GetString(Body), 600)}");
        }

        return text.ToString();
    }

    private static string Abbreviate(string text, int length) =>
        text.Length <= length ? text : $"{text[..length]}... ({text.Length} chars)";
}

/// <summary>What a body generator starts from before it mutates.</summary>
public enum BodySeed
{
    Ramdisk,
    Rule,
}

/// <summary>
/// CsCheck generators for every part of a request to the API: path segments, query strings,
/// headers and bodies, each a mix of valid values, near misses and garbage.
/// </summary>
public static class FuzzRequests
{
    public const string VersionHeader = "X-OpenStack-Ironic-Inspector-API-Version";

    /// <summary>Rules that are valid, as starting points for mutation.</summary>
    private static readonly string[] ValidRules =
    [
        """{"description": "memory", "conditions": [{"op": "ge", "field": "memory_mb", "value": 256}], "actions": [{"action": "set-attribute", "path": "/extra/fuzz", "value": "yes"}]}""",
        """{"conditions": [{"op": "matches", "field": "inventory.cpu.model_name", "value": "QEMU.*", "multiple": "any", "invert": false}], "actions": [{"action": "set-capability", "name": "fuzz", "value": "1"}]}""",
        """{"conditions": [{"op": "contains", "field": "data://inventory.interfaces[*].name", "value": "eth", "multiple": "all"}, {"op": "is-empty", "field": "node://extra.none"}], "actions": [{"action": "extend-attribute", "path": "/extra/list", "value": "{data[cpus]}", "unique": true}, {"action": "add-trait", "name": "CUSTOM_FUZZ"}]}""",
        """{"uuid": "8e0b6c2b-0d7b-4a3f-9ed4-6f3b5f8c2a11", "description": "fails", "conditions": [{"op": "eq", "field": "cpus", "value": 4}], "actions": [{"action": "fail", "message": "no {data[cpu_arch]}"}], "scope": "fuzz"}""",
        """{"actions": [{"action": "set-attribute", "path": "/properties/local_gb", "value": "{data[local_gb]}"}, {"action": "example"}]}""",
    ];

    private static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "FOO"];

    private static readonly string[] ContentTypes =
    [
        "application/json", "application/json; charset=utf-8", "application/json; charset=utf-16", "text/plain",
        "application/x-www-form-urlencoded", "multipart/form-data; boundary=xyz", "multipart/form-data", "*/*", "",
        ";;;", "application/json; charset=klingon", "text/html; charset=\"", "application/merge-patch+json",
    ];

    private static readonly string[] Versions =
    [
        "1.0", "1.18", "1.6", "1.5", "latest", "LATEST", " 1.12 ", "1.19", "2.0", "0.9", "1", "1.", ".1", "-1.0", "1.-1",
        "1,0", "1.0.0", "1.1.1.1.1", "999999.999999", "9999999.0", "1.99999999999", "abc", "", " ", "１.１８", "1.0\t", "v1.0",
        "1.0; 1.1", "null", "%31.0",
    ];

    private static readonly string[] StateValues =
    [
        "starting", "waiting", "processing", "finished", "error", "reapplying", "enrolling", "aborting", "WAITING",
        "waiting,error", "waiting,,error", ",", "", "finished,finished", "nope", "waiting,nope,error", "None",
    ];

    private static readonly string[] RawQueryTokens =
    [
        "&", "&&&", "=", "==", "%", "%zz", "%00", "%ff%fe", "+", "limit", "limit=", "=1", "marker=%00", "state=%E2%82",
        "a=b=c", "limit=1&limit=2", "state=waiting&state=error", "manage_boot", "manage_boot=", "%26=%3D",
    ];

    private static readonly string[] RawSegments =
    [
        ".", "..", "...", "%2e", "%2E%2E", "..%2f", "%2f", "a%2fb", "%5c", "%ff%fe", "%C3%28", "%ED%A0%80", "%", "%zz",
        "%25", "~", "-", "_", "'", "(", ")", "*", "!", ";", ",", "@", ":", "$", "+", "%20", "%09", "%0d%0a",
    ];

    /// <summary>Any number or word a numeric parameter might get.</summary>
    private static readonly string[] NumberTexts =
    [
        "0", "1", "-1", "50", "1000", "1001", "2147483647", "2147483648", "-2147483648", "99999999999999999999", " 5",
        "5 ", "+5", "0x10", "1e3", "1.5", "٣", "５", "", "NaN", "-0", "00000000000000000000000001",
    ];

    private static readonly string[] Booleans = ["true", "false", "True", "0", "1", "yes", "no", "on", "off", "y", "t", "maybe", ""];

    /// <summary>
    /// Anything as a URL component: every UTF-8 byte outside the unreserved set percent-encoded.
    /// A NUL in a path is the exception: Kestrel refuses it with an empty 400 before the API sees
    /// the request (LimitSpecs pins that down), so it is left out of generated paths.
    /// </summary>
    public static string Escape(string value)
    {
        var text = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~')
            {
                text.Append((char)b);
            }
            else
            {
                text.Append(CultureInfo.InvariantCulture, $"%{b:X2}");
            }
        }

        return text.ToString();
    }

    /// <summary>Text of any unicode, controls and lone surrogates included.</summary>
    public static readonly Gen<string> AnyText = Gen.OneOf(
        Gen.String[Gen.Char, 0, 40],
        Gen.String[Gen.Char.AlphaNumeric, 0, 40],
        Gen.String[Gen.Char['\u0080', '\uffff'], 1, 20]);

    /// <summary>A node id, rule id or other path segment, already escaped for the URL.</summary>
    public static Gen<string> Segment(params string[] known)
    {
        var uuids = Gen.Select(Gen.Guid, Gen.Int[0, 5], (guid, form) => form switch
        {
            0 => guid.ToString("D"),
            1 => guid.ToString("D").ToUpperInvariant(),
            2 => guid.ToString("N"),
            3 => Escape(guid.ToString("B")),
            4 => Escape($"urn:uuid:{guid:D}"),
            _ => guid.ToString("D")[..^1],
        });
        var generators = new List<(int, IGen<string>)>
        {
            (6, uuids),
            (4, Gen.String[Gen.Char.AlphaNumeric, 1, 40]),
            (4, AnyText.Select(t => Escape(t.Replace('\0', ' ')))),
            (4, Gen.OneOf(RawSegments)),
            (2, Gen.Int[200, 6000].Select(n => new string('a', n))),
            (1, Gen.Int[2, 80].Select(n => string.Concat(Enumerable.Repeat(Guid.Empty.ToString("D"), n)))),
        };
        if (known.Length > 0)
        {
            generators.Add((4, Gen.OneOf(known)));
        }

        return Gen.Frequency([.. generators]);
    }

    /// <summary>A query string (with its <c>?</c>) of the list's and start's parameters, their near misses and garbage.</summary>
    public static readonly Gen<string> Query = Gen.Frequency(
        (2, Gen.Const("")),
        (10, Gen.OneOf(
            Gen.OneOf(NumberTexts).Select(v => $"limit={Escape(v)}"),
            Gen.OneOf(Gen.Guid.Select(g => g.ToString("D")), AnyText.Select(Escape), Gen.Int[37, 5000].Select(n => new string('f', n))).Select(v => $"marker={v}"),
            Gen.OneOf(StateValues).Select(v => $"state={Escape(v)}"),
            Gen.Int[1, 2000].Select(n => $"state={string.Join(',', Enumerable.Repeat("waiting", n))}"),
            Gen.OneOf(Booleans).Select(v => $"manage_boot={Escape(v)}"),
            AnyText.Select(v => $"new_ipmi_username={Escape(v)}"),
            AnyText.Select(v => $"new_ipmi_password={Escape(v)}"),
            Gen.Select(AnyText, AnyText, (k, v) => $"{Escape(k)}={Escape(v)}"),
            Gen.OneOf(RawQueryTokens),
            Gen.Int[500, 7000].Select(n => $"limit={new string('9', n)}"))
            .Array[1, 4].Select(parts => "?" + string.Join('&', parts))));

    /// <summary>Headers: the API version, Content-Type, proxies' X-Forwarded-*, and random others.</summary>
    public static readonly Gen<KeyValuePair<string, string>[]> Headers = Gen.Frequency(
        (3, Gen.Const(Array.Empty<KeyValuePair<string, string>>())),
        (7, Gen.OneOf(
            Gen.OneOf(Gen.OneOf(Versions), AnyText, Gen.Int[100, 4000].Select(n => "1." + new string('0', n)))
                .Select(v => KeyValuePair.Create(VersionHeader, v)),
            Gen.OneOf(ContentTypes).Select(v => KeyValuePair.Create("Content-Type", v)),
            Gen.OneOf(Gen.Const("application/json"), Gen.Const("text/html"), AnyText).Select(v => KeyValuePair.Create("Accept", v)),
            Gen.OneOf(Gen.Const("example.org"), Gen.Const("[::1]:99999"), Gen.Const("a b"), AnyText).Select(v => KeyValuePair.Create("X-Forwarded-Host", v)),
            Gen.OneOf(Gen.Const("https"), Gen.Const("http,https"), Gen.Const("gopher"), AnyText).Select(v => KeyValuePair.Create("X-Forwarded-Proto", v)),
            Gen.OneOf(Gen.Const("/inspector"), Gen.Const("inspector"), Gen.Const("//x"), AnyText).Select(v => KeyValuePair.Create("X-Forwarded-Prefix", v)),
            Gen.OneOf(Gen.Const("Basic Zm9vOmJhcg=="), Gen.Const("Basic !!!"), AnyText).Select(v => KeyValuePair.Create("Authorization", v)),
            Gen.Select(Gen.String[Gen.Char.AlphaNumeric, 1, 20], AnyText, (n, v) => KeyValuePair.Create("X-" + n, v)))
            .Array[1, 4].Select(headers => headers.Select(h => KeyValuePair.Create(h.Key, HeaderSafe(h.Value))).ToArray())));

    /// <summary>A body grown from a valid document of <paramref name="seed"/>'s kind, or from nothing.</summary>
    public static Gen<byte[]?> Body(BodySeed seed) => Gen.Select(Gen.Int[0, 99], Gen.Int, (shape, value) =>
    {
        var random = new Random(value);
        return shape switch
        {
            < 5 => null,
            < 8 => [],
            < 16 => RandomBytes(random),
            < 24 => Encoding.UTF8.GetBytes(RandomText(random)),
            < 32 => Encoding.UTF8.GetBytes(ValidDocument(seed, random).ToJsonString()),
            _ => JsonMutations.Serialize(JsonMutations.MutateTree(ValidDocument(seed, random), random), random),
        };
    });

    /// <summary>A valid ramdisk payload (either format) or rule, its MACs and BMC from <paramref name="random"/>.</summary>
    public static JsonNode ValidDocument(BodySeed seed, Random random) => seed switch
    {
        BodySeed.Rule => JsonNode.Parse(ValidRules[random.Next(ValidRules.Length)])!,
        _ => random.Next(3) == 0
            ? RamdiskPayloads.Flat(Mac(random), Bmc(random), Mac(random))
            : RamdiskPayloads.Ipa(Mac(random), Bmc(random), Mac(random), Mac(random)),
    };

    public static Gen<string> Method => Gen.OneOf(Methods);

    public static string Mac(Random random) =>
        "52:" + string.Join(':', Enumerable.Range(0, 5).Select(_ => random.Next(256).ToString("x2", CultureInfo.InvariantCulture)));

    public static string Bmc(Random random) => $"10.{random.Next(1, 255)}.{random.Next(1, 255)}.{random.Next(1, 255)}";

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 4000)];
        random.NextBytes(bytes);
        return bytes;
    }

    private static string RandomText(Random random) =>
        new([.. Enumerable.Range(0, random.Next(0, 300)).Select(_ => (char)random.Next(0, 0x10000))]);

    /// <summary>HttpClient refuses line breaks and NULs in header values (as it should); anything else goes.</summary>
    private static string HeaderSafe(string value) =>
        new([.. value.Where(c => c is not ('\r' or '\n' or '\0'))]);
}
