using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Inspector.Grains.Processing;

/// <summary>
/// Ironic root device hints (<c>properties.root_device</c>, and each entry of <c>properties.skip_block_devices</c>)
/// matched against the <c>inventory.disks</c> reported by ironic-python-agent.
/// </summary>
/// <remarks>
/// <para>Reproduces the reference's <c>device_hints</c> module (a copy of ironic-lib's <c>parse_root_device_hints</c>,
/// <c>find_devices_by_hints</c> and <c>match_root_device_hints</c>, which use oslo.utils' <c>specs_matcher</c>):</para>
/// <list type="bullet">
/// <item>Hints: <c>size</c> (integer, GiB), <c>rotational</c> (Boolean) and the strings <c>model</c>, <c>vendor</c>,
/// <c>serial</c>, <c>wwn</c>, <c>wwn_with_extension</c>, <c>wwn_vendor_extension</c>, <c>name</c>, <c>hctl</c>,
/// <c>by_path</c>. Names are case-sensitive; an unknown name is an error.</item>
/// <item>An expression is trimmed and lower-cased; an optional leading operator is recognised; the text is split on
/// that operator into values, each trimmed and URL-quoted (UTF-8, only <c>A-Za-z0-9_.-~/</c> stay as they are). A
/// string hint without an operator means <c>s==</c>, an integer hint without one means <c>==</c>. Disk values go
/// through the same normalisation, so string comparison ignores case and surrounding whitespace but not inner
/// whitespace. Nothing is prefixed: <c>name</c> and <c>by_path</c> hints must be full paths (<c>/dev/sda</c>).</item>
/// <item>String operators: <c>s==</c>, <c>s!=</c>, <c>s&lt;</c>, <c>s&lt;=</c>, <c>s&gt;</c>, <c>s&gt;=</c> (ordinal,
/// on the normalised forms), <c>&lt;in&gt;</c> (substring; only the first value counts) and
/// <c>&lt;or&gt; a &lt;or&gt; b</c> (equal to any).</item>
/// <item>Size operators: <c>==</c>, <c>!=</c>, <c>&gt;=</c>, <c>&lt;=</c>, <c>&gt;</c>, <c>&lt;</c> and the legacy
/// <c>=</c> (meaning <c>&gt;=</c>), comparing the disk size in bytes divided by 2^30 <em>without rounding</em> to the
/// hint. Every value must be a positive integer.</item>
/// <item>Quirks kept on purpose: <c>&lt;or&gt;</c> and <c>s==</c> on <c>size</c> are accepted but never match and
/// <c>s!=</c> on <c>size</c> always matches (the reference compares a float with a string); a string field that is
/// missing or null on a disk is compared as the text <c>none</c> (so <c>s!=</c> hints match it); a disk string value
/// that is empty or blank never matches; a disk whose <c>rotational</c> is missing or not a Boolean never matches a
/// <c>rotational</c> hint.</item>
/// </list>
/// <para>Deliberate differences, all on input the reference fails on while matching (it raises
/// <c>TypeError</c>/<c>ValueError</c>, which the reference hook turns into an introspection error): <see cref="Parse"/>
/// rejects numeric operators and <c>&lt;all-in&gt;</c>/<c>&lt;range-in&gt;</c> on string hints, and
/// <c>s&lt;</c>, <c>s&lt;=</c>, <c>s&gt;</c>, <c>s&gt;=</c>, <c>&lt;in&gt;</c>, <c>&lt;all-in&gt;</c> on
/// <c>size</c>; a disk whose <c>size</c> is missing or not a number simply does not match.</para>
/// </remarks>
public static class RootDeviceHints
{
    /// <summary>The valid hint names, in the order the reference lists them.</summary>
    public static readonly IReadOnlyList<string> ValidHints =
    [
        "size", "model", "wwn", "serial", "vendor", "wwn_with_extension", "wwn_vendor_extension", "name",
        "rotational", "hctl", "by_path",
    ];

    private const double GiB = 1024.0 * 1024.0 * 1024.0;

    private static readonly HashSet<string> StringOperators = ["s==", "s!=", "s<", "s<=", "s>", "s>=", "<in>", "<or>"];
    private static readonly HashSet<string> NumericOperators = ["==", "=", "!=", ">=", "<=", ">", "<"];

    // Accepted on size because the reference accepts them and they do not raise; they never (<or>, s==) or always
    // (s!=) match.
    private static readonly HashSet<string> InertSizeOperators = ["<or>", "s==", "s!="];

    /// <summary>
    /// Parses and validates hints (<c>properties.root_device</c> of an Ironic node, or one entry of
    /// <c>properties.skip_block_devices</c>).
    /// </summary>
    /// <exception cref="RootDeviceHintsException">
    /// The hints are empty, name an unknown hint, or a value has the wrong type, an unparsable or unsupported
    /// operator, a size that is not a positive integer, or a rotational value that is not a Boolean.
    /// </exception>
    public static ParsedHints Parse(JsonObject hints)
    {
        ArgumentNullException.ThrowIfNull(hints);
        if (hints.Count == 0)
        {
            throw new RootDeviceHintsException("No root device hints given");
        }

        var invalid = hints.Select(p => p.Key).Where(k => !ValidHints.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (invalid.Count > 0)
        {
            throw new RootDeviceHintsException(
                $"The hints \"{string.Join(", ", invalid)}\" are invalid. Valid hints are: \"{string.Join(", ", ValidHints)}\"");
        }

        var parsed = new List<ParsedHint>(hints.Count);
        foreach (var (name, value) in hints)
        {
            parsed.Add(name switch
            {
                "size" => ParseSize(name, value),
                "rotational" => ParseRotational(name, value),
                _ => ParseString(name, value),
            });
        }

        return new ParsedHints(parsed);
    }

    /// <summary>The first disk (in the given order) matching all hints, or null.</summary>
    public static JsonObject? Match(ParsedHints hints, IReadOnlyList<JsonObject> disks) => FindAll(hints, disks).FirstOrDefault();

    /// <summary>
    /// All disks matching all hints, in the given order (the same instances). Used for
    /// <c>skip_block_devices</c>: every disk matching any of the skip hint dicts is removed before root-disk matching.
    /// </summary>
    public static IEnumerable<JsonObject> FindAll(ParsedHints hints, IReadOnlyList<JsonObject> disks)
    {
        ArgumentNullException.ThrowIfNull(hints);
        ArgumentNullException.ThrowIfNull(disks);
        return disks.Where(disk => disk is not null && hints.Hints.All(hint => hint.Matches(disk)));
    }

    private static ParsedHint ParseString(string name, JsonNode? value)
    {
        if (value is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
        {
            throw new RootDeviceHintsException(
                $"Root device hint \"{name}\" is not a string value. Hint expression: {Py.Str(value)}");
        }

        var text = v.GetValue<string>();
        var normalized = Normalize(text, out var failure)
            ?? throw new RootDeviceHintsException(failure == Failure.Empty
                ? $"Root device hint \"{name}\" expression is empty"
                : $"Root device hint \"{name}\" expression cannot be parsed: {text}");

        var ast = SpecGrammar.Parse(normalized)
            ?? throw new RootDeviceHintsException($"Root device hint \"{name}\" expression cannot be parsed: {text}");
        var spec = ast.Count > 1 ? normalized : "s== " + normalized;
        var tokens = SpecGrammar.Parse(spec);
        if (tokens is { Count: > 1 } && !StringOperators.Contains(tokens[0]))
        {
            throw new RootDeviceHintsException(
                $"Root device hint \"{name}\" uses the operator \"{tokens[0]}\", which is not supported for string hints; " +
                $"use one of: {string.Join(", ", StringOperators)}. Hint expression: {text}");
        }

        return new ParsedHint(name, HintKind.String, spec, tokens, Rotational: false, Operand: 0);
    }

    private static ParsedHint ParseSize(string name, JsonNode? value)
    {
        var text = Py.Str(value);
        if (!Extract(text, out _, out var values, out var failure))
        {
            throw new RootDeviceHintsException(failure == Failure.Empty
                ? $"Root device hint \"{name}\" expression is empty"
                : $"Root device hint \"{name}\" expression cannot be parsed: {text}");
        }

        foreach (var v in values)
        {
            if (!Py.TryParseInt(v, out var integer))
            {
                throw new RootDeviceHintsException($"Root device hint \"{name}\" is not an integer value. Current value: {text}");
            }

            if (integer <= 0)
            {
                throw new RootDeviceHintsException(
                    $"Root device hint \"{name}\" should be a positive integer. Current value: {text}");
            }
        }

        // As the reference, the operator is looked for again in the original (not lower-cased) text.
        var ast = SpecGrammar.Parse(text)
            ?? throw new RootDeviceHintsException($"Root device hint \"{name}\" expression cannot be parsed: {text}");
        var spec = ast.Count > 1 ? text : "== " + text;
        var tokens = SpecGrammar.Parse(spec);
        if (tokens is not { Count: > 1 })
        {
            throw new RootDeviceHintsException($"Root device hint \"{name}\" expression cannot be parsed: {text}");
        }

        var op = tokens[0];
        double operand = 0;
        if (NumericOperators.Contains(op))
        {
            if (Py.TryParseFloat(tokens[1]) is not { } number)
            {
                throw new RootDeviceHintsException(
                    $"Root device hint \"{name}\" cannot be compared as a number: {tokens[1]}. Current value: {text}");
            }

            operand = number;
        }
        else if (!InertSizeOperators.Contains(op))
        {
            throw new RootDeviceHintsException(
                $"Root device hint \"{name}\" uses the operator \"{op}\", which is not supported for integer hints; " +
                $"use one of: {string.Join(", ", NumericOperators)}. Current value: {text}");
        }

        return new ParsedHint(name, HintKind.Size, spec, tokens, Rotational: false, operand);
    }

    private static ParsedHint ParseRotational(string name, JsonNode? value)
    {
        var flag = Py.BoolFromString(value)
            ?? throw new RootDeviceHintsException(
                $"Root device hint \"{name}\" is not a Boolean value. Current value: {Py.Str(value)}");
        return new ParsedHint(name, HintKind.Rotational, flag ? "True" : "False", null, flag, Operand: 0);
    }

    internal enum Failure { None, Empty, Unparsable }

    /// <summary>Operator and values of an expression, as the reference's <c>_extract_hint_operator_and_values</c>.</summary>
    internal static bool Extract(string hintExpression, out string op, out List<string> values, out Failure failure)
    {
        op = "";
        values = [];
        var expression = Py.Strip(hintExpression).ToLowerInvariant();
        if (expression.Length == 0)
        {
            failure = Failure.Empty;
            return false;
        }

        var ast = SpecGrammar.Parse(expression);
        if (ast is null)
        {
            failure = Failure.Unparsable;
            return false;
        }

        failure = Failure.None;
        if (ast.Count <= 1)
        {
            values.Add(expression);
            return true;
        }

        op = ast[0];
        values.AddRange(expression.Split(op).Where(s => s.Length > 0).Select(Py.Strip));
        return true;
    }

    /// <summary>
    /// The normalised form of a string expression, as the reference's <c>_normalize_hint_expression</c>: for example
    /// <c>"&lt;or&gt; Foo Bar &lt;or&gt; bar"</c> becomes <c>"&lt;or&gt; foo%20bar &lt;or&gt; bar"</c>. Null when the
    /// expression is empty or cannot be parsed.
    /// </summary>
    internal static string? Normalize(string hintExpression, out Failure failure)
    {
        if (!Extract(hintExpression, out var op, out var values, out failure))
        {
            return null;
        }

        return Py.Strip(op + string.Join(op, values.Select(v => " " + Py.Quote(v) + " ")));
    }

    internal enum HintKind { String, Size, Rotational }

    /// <summary>One validated hint.</summary>
    /// <param name="Name">The hint (and disk field) name.</param>
    /// <param name="Kind">How the disk field is compared.</param>
    /// <param name="Expression">The normalised expression, operator included (e.g. <c>s== foo%20model</c>).</param>
    /// <param name="Tokens">The operator and operands of <paramref name="Expression"/>; null if it cannot be parsed,
    /// in which case only a disk value equal to the whole expression matches (as specs_matcher does).</param>
    /// <param name="Rotational">The wanted value of a rotational hint.</param>
    /// <param name="Operand">The number a size hint compares with, for numeric operators.</param>
    internal sealed record ParsedHint(
        string Name, HintKind Kind, string Expression, IReadOnlyList<string>? Tokens, bool Rotational, double Operand)
    {
        public bool Matches(JsonObject disk)
        {
            disk.TryGetPropertyValue(Name, out var node);
            return Kind switch
            {
                HintKind.Rotational => Py.BoolFromString(node) is { } actual && actual == Rotational,
                HintKind.Size => SizeInGiB(node) is { } gib && MatchesSize(gib),
                _ => Normalize(Py.Str(node), out _) is { } value && MatchesString(value),
            };
        }

        private static double? SizeInGiB(JsonNode? node)
        {
            if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number)
            {
                return null;
            }

            return double.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var bytes)
                ? bytes / GiB
                : null;
        }

        private bool MatchesSize(double gib) => Tokens![0] switch
        {
            "==" => gib == Operand,
            "!=" => gib != Operand,
            ">=" or "=" => gib >= Operand,
            "<=" => gib <= Operand,
            ">" => gib > Operand,
            "<" => gib < Operand,
            "s!=" => true,
            _ => false, // <or>, s==: a float never equals a string in the reference
        };

        private bool MatchesString(string value)
        {
            if (Tokens is null)
            {
                return value == Expression;
            }

            if (Tokens.Count == 1)
            {
                return value == Tokens[0];
            }

            var operand = Tokens[1];
            return Tokens[0] switch
            {
                "s==" => value == operand,
                "s!=" => value != operand,
                "s<" => string.CompareOrdinal(value, operand) < 0,
                "s<=" => string.CompareOrdinal(value, operand) <= 0,
                "s>" => string.CompareOrdinal(value, operand) > 0,
                "s>=" => string.CompareOrdinal(value, operand) >= 0,
                "<in>" => value.Contains(operand, StringComparison.Ordinal),
                "<or>" => Tokens.Skip(1).Contains(value, StringComparer.Ordinal),
                _ => false,
            };
        }
    }

    /// <summary>
    /// The expression grammar of oslo.utils' <c>specs_matcher.make_grammar()</c>, parsed as pyparsing's
    /// <c>parseString</c> does: from the start, skipping blanks between tokens, ignoring whatever follows the first
    /// complete alternative.
    /// </summary>
    internal static class SpecGrammar
    {
        // Order matters: the first literal that matches wins (and there is no backtracking to the others).
        private static readonly string[] UnaryOperators =
            ["==", "=", "!=", "<in>", ">=", "<=", ">", "<", "s==", "s!=", "s<=", "s<", "s>=", "s>"];

        private const string Or = "<or>";
        private const string AllIn = "<all-in>";
        private const string RangeIn = "<range-in>";

        /// <summary>The tokens (operator first, if any), or null where pyparsing raises a ParseException.</summary>
        public static List<string>? Parse(string s) =>
            Disjunction(s) ?? Nary(s) ?? Range(s) ?? Unary(s) ?? (Atom(s, 0) is { } a ? [a.Text] : null);

        private static List<string>? Disjunction(string s)
        {
            var tokens = new List<string> { Or };
            var pos = 0;
            while (Literal(s, pos, Or) is var after && after >= 0 && Atom(s, after) is { } atom)
            {
                tokens.Add(atom.Text);
                pos = atom.End;
            }

            return tokens.Count > 1 ? tokens : null;
        }

        private static List<string>? Nary(string s)
        {
            var pos = Literal(s, 0, AllIn);
            if (pos < 0)
            {
                return null;
            }

            var tokens = new List<string> { AllIn };
            while (Atom(s, pos) is { } atom)
            {
                tokens.Add(atom.Text);
                pos = atom.End;
            }

            return tokens.Count > 1 ? tokens : null;
        }

        private static List<string>? Range(string s)
        {
            var pos = Literal(s, 0, RangeIn);
            if (pos < 0)
            {
                return null;
            }

            var tokens = new List<string> { RangeIn };
            for (var i = 0; i < 4; i++)
            {
                if (Atom(s, pos) is not { } atom)
                {
                    return null;
                }

                tokens.Add(atom.Text);
                pos = atom.End;
            }

            return tokens;
        }

        private static List<string>? Unary(string s)
        {
            var pos = SkipBlanks(s, 0);
            var op = UnaryOperators.FirstOrDefault(o => s.AsSpan(pos).StartsWith(o, StringComparison.Ordinal));
            return op is not null && Atom(s, pos + op.Length) is { } atom ? [op, atom.Text] : null;
        }

        /// <summary>A run of non-blank characters that does not start with an operator keyword.</summary>
        private static (string Text, int End)? Atom(string s, int pos)
        {
            pos = SkipBlanks(s, pos);
            if (pos >= s.Length || Py.IsSpace(s[pos]) || StartsWithKeyword(s, pos))
            {
                return null;
            }

            var end = pos;
            while (end < s.Length && !Py.IsSpace(s[end]))
            {
                end++;
            }

            return (s[pos..end], end);
        }

        private static bool StartsWithKeyword(string s, int pos)
        {
            var rest = s.AsSpan(pos);
            foreach (var keyword in UnaryOperators)
            {
                if (rest.StartsWith(keyword, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return rest.StartsWith(AllIn, StringComparison.Ordinal)
                || rest.StartsWith(Or, StringComparison.Ordinal)
                || rest.StartsWith(RangeIn, StringComparison.Ordinal);
        }

        private static int Literal(string s, int pos, string literal)
        {
            pos = SkipBlanks(s, pos);
            return s.AsSpan(pos).StartsWith(literal, StringComparison.Ordinal) ? pos + literal.Length : -1;
        }

        // pyparsing's default whitespace.
        private static int SkipBlanks(string s, int pos)
        {
            while (pos < s.Length && s[pos] is ' ' or '\t' or '\n' or '\r')
            {
                pos++;
            }

            return pos;
        }
    }

    /// <summary>The few Python built-in behaviours the reference relies on.</summary>
    internal static class Py
    {
        private static readonly HashSet<string> TrueStrings = ["1", "t", "true", "on", "y", "yes"];
        private static readonly HashSet<string> FalseStrings = ["0", "f", "false", "off", "n", "no"];

        /// <summary><c>str.isspace()</c> (which also counts the ASCII separators U+001C..U+001F).</summary>
        public static bool IsSpace(char c) => char.IsWhiteSpace(c) || c is >= '\x1c' and <= '\x1f';

        /// <summary><c>str.strip()</c>.</summary>
        public static string Strip(string s)
        {
            int start = 0, end = s.Length;
            while (start < end && IsSpace(s[start]))
            {
                start++;
            }

            while (end > start && IsSpace(s[end - 1]))
            {
                end--;
            }

            return s[start..end];
        }

        /// <summary><c>str(value)</c> of the Python object a JSON value decodes to (a missing value is <c>None</c>).</summary>
        public static string Str(JsonNode? node)
        {
            if (node is not JsonValue value)
            {
                return node?.ToJsonString() ?? "None";
            }

            return value.GetValueKind() switch
            {
                JsonValueKind.String => value.GetValue<string>(),
                JsonValueKind.True => "True",
                JsonValueKind.False => "False",
                JsonValueKind.Number => NumberText(value.ToJsonString()),
                _ => "None",
            };
        }

        // json.loads gives an int for an integral literal (str: the digits) and a float otherwise (str: repr).
        private static string NumberText(string json)
        {
            if (json.All(c => char.IsAsciiDigit(c) || c == '-'))
            {
                return json;
            }

            var number = double.Parse(json, NumberStyles.Float, CultureInfo.InvariantCulture);
            var text = number.ToString("R", CultureInfo.InvariantCulture).Replace('E', 'e');
            return text.Contains('.') || text.Contains('e') ? text : text + ".0";
        }

        /// <summary><c>urllib.parse.quote(s)</c>: UTF-8, percent-encoding all but <c>A-Za-z0-9_.-~/</c>.</summary>
        public static string Quote(string s)
        {
            var sb = new StringBuilder(s.Length);
            foreach (var b in Encoding.UTF8.GetBytes(s))
            {
                if (char.IsAsciiLetterOrDigit((char)b) || b is (byte)'_' or (byte)'.' or (byte)'-' or (byte)'~' or (byte)'/')
                {
                    sb.Append((char)b);
                }
                else
                {
                    sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
                }
            }

            return sb.ToString();
        }

        /// <summary><c>int(s)</c>: optional sign, decimal digits, single underscores between digits, blanks around.</summary>
        public static bool TryParseInt(string s, out System.Numerics.BigInteger value)
        {
            value = default;
            var text = Strip(s);
            var digits = text.StartsWith('+') || text.StartsWith('-') ? text[1..] : text;
            if (!IsDigitGroups(digits))
            {
                return false;
            }

            value = System.Numerics.BigInteger.Parse(text.Replace("_", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
            return true;
        }

        /// <summary><c>float(s)</c>, or null where Python raises ValueError.</summary>
        public static double? TryParseFloat(string s)
        {
            var text = Strip(s);
            var sign = text.StartsWith('-') ? -1.0 : 1.0;
            var unsigned = text.StartsWith('+') || text.StartsWith('-') ? text[1..] : text;
            switch (unsigned.ToLowerInvariant())
            {
                case "inf" or "infinity":
                    return sign * double.PositiveInfinity;
                case "nan":
                    return double.NaN;
            }

            // Underscores are allowed only between digits.
            for (var i = 0; i < unsigned.Length; i++)
            {
                if (unsigned[i] == '_'
                    && (i == 0 || i == unsigned.Length - 1 || !char.IsAsciiDigit(unsigned[i - 1]) || !char.IsAsciiDigit(unsigned[i + 1])))
                {
                    return null;
                }
            }

            var cleaned = unsigned.Replace("_", "", StringComparison.Ordinal);
            if (cleaned.Length == 0 || !cleaned.All(c => char.IsAsciiDigit(c) || c is '.' or 'e' or 'E' or '+' or '-'))
            {
                return null;
            }

            return double.TryParse(cleaned, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
                CultureInfo.InvariantCulture, out var number)
                ? sign * number
                : null;
        }

        /// <summary>oslo.utils' <c>strutils.bool_from_string(value, strict=True)</c>, or null where it raises.</summary>
        public static bool? BoolFromString(JsonNode? node)
        {
            if (node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
            {
                return v.GetValueKind() == JsonValueKind.True;
            }

            var lowered = Strip(Str(node)).ToLowerInvariant();
            if (TrueStrings.Contains(lowered))
            {
                return true;
            }

            return FalseStrings.Contains(lowered) ? false : null;
        }

        private static bool IsDigitGroups(string s)
        {
            if (s.Length == 0 || !char.IsAsciiDigit(s[0]) || !char.IsAsciiDigit(s[^1]))
            {
                return false;
            }

            for (var i = 0; i < s.Length; i++)
            {
                if (!char.IsAsciiDigit(s[i]) && !(s[i] == '_' && char.IsAsciiDigit(s[i + 1])))
                {
                    return false;
                }
            }

            return true;
        }
    }
}

/// <summary>Validated root device hints, ready to be matched against disks.</summary>
public sealed class ParsedHints
{
    internal ParsedHints(IReadOnlyList<RootDeviceHints.ParsedHint> hints)
    {
        Hints = hints;
        Expressions = hints.ToDictionary(h => h.Name, h => h.Expression, StringComparer.Ordinal);
    }

    internal IReadOnlyList<RootDeviceHints.ParsedHint> Hints { get; }

    /// <summary>
    /// Each hint as the reference normalises it (for logs): <c>{"model": "s== foo%20model", "size": "&gt;= 100",
    /// "rotational": "False"}</c>.
    /// </summary>
    public IReadOnlyDictionary<string, string> Expressions { get; }

    public override string ToString() =>
        "{" + string.Join(", ", Hints.Select(h => $"'{h.Name}': '{h.Expression}'")) + "}";
}

/// <summary>Invalid root device hints.</summary>
public sealed class RootDeviceHintsException(string message) : Exception(message);
