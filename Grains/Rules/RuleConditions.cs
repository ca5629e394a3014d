using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Inspector.Grains.Rules;

/// <summary>A condition operator: its parameters and its check of one field value.</summary>
public abstract class RuleCondition
{
    public static readonly IReadOnlyDictionary<string, RuleCondition> All = new Dictionary<string, RuleCondition>
    {
        ["eq"] = new Comparison("eq"),
        ["ne"] = new Comparison("ne"),
        ["lt"] = new Comparison("lt"),
        ["gt"] = new Comparison("gt"),
        ["le"] = new Comparison("le"),
        ["ge"] = new Comparison("ge"),
        ["in-net"] = new InNet(),
        ["matches"] = new Matches(),
        ["contains"] = new Contains(),
        ["is-empty"] = new IsEmpty(),
    };

    public virtual IReadOnlyCollection<string> Required => ["value"];

    /// <summary>Whether a path that finds nothing is checked as a null value (else the rule does not apply).</summary>
    public virtual bool AllowNone => false;

    /// <summary>Checks the parameters; returns an error text (as the reference words it) or null.</summary>
    public virtual string? Validate(JsonObject parameters) => null;

    public abstract bool Check(JsonNode? field, JsonObject parameters);

    private static readonly TimeSpan RegexTimeout = TimeSpan.FromSeconds(1);

    /// <summary><c>eq</c> ... <c>ge</c>: the field is cast to the parameter's numeric type first.</summary>
    private sealed class Comparison(string op) : RuleCondition
    {
        public override bool Check(JsonNode? field, JsonObject parameters)
        {
            var expected = parameters["value"];
            var kind = expected?.GetValueKind();
            int order;
            if (kind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
            {
                var integral = kind != JsonValueKind.Number || !expected!.ToJsonString().Contains('.', StringComparison.Ordinal);
                var wanted = kind == JsonValueKind.Number ? expected!.GetValue<double>() : kind == JsonValueKind.True ? 1 : 0;
                if (ToNumber(field, integral) is not { } actual)
                {
                    return false; // the field is not a number: Python's int()/float() would fail
                }

                order = actual.CompareTo(wanted);
            }
            else if (kind is JsonValueKind.String && field?.GetValueKind() == JsonValueKind.String)
            {
                order = string.CompareOrdinal((string)field!, (string)expected!);
            }
            else
            {
                // Anything else only compares for (in)equality, as in Python.
                var equal = JsonNode.DeepEquals(field, expected) || (field is null && kind is null or JsonValueKind.Null);
                return op switch { "eq" => equal, "ne" => !equal, _ => false };
            }

            return op switch
            {
                "eq" => order == 0,
                "ne" => order != 0,
                "lt" => order < 0,
                "gt" => order > 0,
                "le" => order <= 0,
                _ => order >= 0,
            };
        }

        /// <summary>Python's int() or float() of the field.</summary>
        private static double? ToNumber(JsonNode? field, bool integral)
        {
            var text = field?.GetValueKind() switch
            {
                JsonValueKind.Number => field!.ToJsonString(),
                JsonValueKind.String => ((string)field!).Trim(),
                JsonValueKind.True => "1",
                JsonValueKind.False => "0",
                _ => null,
            };
            if (text is null || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                return null;
            }

            if (integral && field!.GetValueKind() == JsonValueKind.String
                && !long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
            {
                return null; // int('1.5') fails in Python
            }

            return integral ? Math.Truncate(value) : value;
        }
    }

    private sealed class InNet : RuleCondition
    {
        public override string? Validate(JsonObject parameters) =>
            IPNetwork.TryParse(CidrText(parameters["value"]), out _) ? null : $"invalid value: {PythonText.Str(parameters["value"])}";

        public override bool Check(JsonNode? field, JsonObject parameters) =>
            IPAddress.TryParse(PythonText.Str(field), out var address)
            && IPNetwork.TryParse(CidrText(parameters["value"]), out var network)
            && network.Contains(address);

        /// <summary>netaddr accepts a bare address as a one-address network.</summary>
        private static string CidrText(JsonNode? value)
        {
            var text = PythonText.Str(value).Trim();
            return text.Contains('/', StringComparison.Ordinal) || !IPAddress.TryParse(text, out var ip)
                ? NormalizeNetwork(text)
                : $"{text}/{(ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)}";
        }

        /// <summary>netaddr allows host bits in a CIDR (192.0.2.5/24); .NET's IPNetwork does not.</summary>
        private static string NormalizeNetwork(string text)
        {
            var slash = text.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0 || !IPAddress.TryParse(text[..slash], out var ip) || !int.TryParse(text[(slash + 1)..], out var prefix))
            {
                return text;
            }

            var bytes = ip.GetAddressBytes();
            if (prefix < 0 || prefix > bytes.Length * 8)
            {
                return text;
            }

            for (var bit = prefix; bit < bytes.Length * 8; bit++)
            {
                bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
            }

            return $"{new IPAddress(bytes)}/{prefix}";
        }
    }

    private abstract class RegexCondition : RuleCondition
    {
        public override string? Validate(JsonObject parameters)
        {
            try
            {
                _ = new Regex(DotNetPattern(PythonText.Str(parameters["value"])), RegexOptions.None, RegexTimeout);
                return null;
            }
            catch (ArgumentException e)
            {
                return $"invalid regular expression: {e.Message}";
            }
        }

        /// <summary>Python's named groups, <c>(?P&lt;name&gt;...)</c> and <c>(?P=name)</c>, in .NET's syntax.</summary>
        private static string DotNetPattern(string pattern) =>
            pattern.Replace("(?P<", "(?<", StringComparison.Ordinal).Replace("(?P=", "\\k<", StringComparison.Ordinal);

        protected static bool Run(string pattern, JsonNode? field)
        {
            try
            {
                return Regex.IsMatch(PythonText.Str(field), DotNetPattern(pattern), RegexOptions.None, RegexTimeout);
            }
            catch (RegexMatchTimeoutException)
            {
                return false;
            }
        }
    }

    /// <summary><c>matches</c>: the whole value matches (Python's re.match with a <c>$</c> added).</summary>
    private sealed class Matches : RegexCondition
    {
        public override bool Check(JsonNode? field, JsonObject parameters)
        {
            var pattern = PythonText.Str(parameters["value"]);
            return Run($"\\A(?:{pattern})" + (pattern.EndsWith('$') ? "" : "$"), field);
        }
    }

    /// <summary><c>contains</c>: the pattern occurs anywhere (Python's re.search).</summary>
    private sealed class Contains : RegexCondition
    {
        public override bool Check(JsonNode? field, JsonObject parameters) => Run(PythonText.Str(parameters["value"]), field);
    }

    private sealed class IsEmpty : RuleCondition
    {
        public override IReadOnlyCollection<string> Required => [];

        public override bool AllowNone => true;

        public override bool Check(JsonNode? field, JsonObject parameters) => field switch
        {
            null => true,
            JsonArray a => a.Count == 0,
            JsonObject o => o.Count == 0,
            _ => field.GetValueKind() switch
            {
                JsonValueKind.Null => true,
                JsonValueKind.String => ((string)field!).Length == 0,
                _ => false,
            },
        };
    }
}
