using System.Text.Json;
using System.Text.Json.Nodes;

namespace Inspector.Grains.Rules;

/// <summary>
/// An introspection rule: when all its conditions hold for a node's data, its actions change
/// the node. Kept as the normalised JSON the API shows (defaults filled in).
/// </summary>
public sealed class IntrospectionRule
{
    private static readonly string[] MultipleChoices = ["all", "any", "first"];
    private static readonly HashSet<string> ReservedConditionKeys = ["op", "field", "multiple", "invert"];

    private IntrospectionRule(JsonObject document, IReadOnlyList<ParsedCondition> conditions)
    {
        Document = document;
        Conditions = conditions;
    }

    /// <summary>uuid, description, scope, conditions, actions.</summary>
    public JsonObject Document { get; }

    public string Uuid => (string)Document["uuid"]!;

    public string? Scope => (string?)Document["scope"];

    public IReadOnlyList<ParsedCondition> Conditions { get; }

    public JsonArray Actions => (JsonArray)Document["actions"]!;

    /// <summary>A condition with its parsed field path, ready to evaluate.</summary>
    public sealed record ParsedCondition(RuleCondition Operator, bool OnNode, JsonPath Path, string Multiple, bool Invert, JsonObject Parameters);

    /// <summary>Validates a rule as the API receives it.</summary>
    /// <exception cref="RuleValidationException">The rule is invalid; the message says how.</exception>
    public static IntrospectionRule Create(JsonObject body, string uuid)
    {
        var description = OptionalString(body, "description");
        var scope = OptionalString(body, "scope");
        if (scope is { Length: > 255 })
        {
            throw new RuleValidationException($"Invalid scope: it must be at most 255 characters long, got {scope.Length}");
        }

        // As body.get('conditions', []): only a missing key defaults; an explicit null is invalid.
        var conditionsJson = body.ContainsKey("conditions") ? body["conditions"] : new JsonArray();
        var actionsJson = body.ContainsKey("actions") ? body["actions"] : new JsonArray();
        var conditions = CheckConditions(conditionsJson);
        var actions = CheckActions(actionsJson);
        var document = new JsonObject
        {
            ["uuid"] = uuid,
            ["description"] = description,
            ["scope"] = scope,
            ["conditions"] = new JsonArray([.. conditions.Select(c => (JsonNode)c.Json)]),
            ["actions"] = actions,
        };
        return new IntrospectionRule(document, [.. conditions.Select(c => c.Parsed)]);
    }

    /// <summary>A rule read back from storage (already validated when created).</summary>
    public static IntrospectionRule FromDocument(JsonObject document)
    {
        var body = (JsonObject)document.DeepClone();
        return Create(body, (string)document["uuid"]!);
    }

    /// <summary>The rule as the API shows it: sorted keys, a relative self link; short = uuid, description, scope.</summary>
    public JsonObject ToApi(bool full)
    {
        var result = new JsonObject();
        if (full)
        {
            result["actions"] = SortedKeys(Document["actions"]);
            result["conditions"] = SortedKeys(Document["conditions"]);
        }

        result["description"] = Document["description"]?.DeepClone();
        result["links"] = new JsonArray(new JsonObject { ["href"] = $"/v1/rules/{Uuid}", ["rel"] = "self" });
        result["scope"] = Document["scope"]?.DeepClone();
        result["uuid"] = Uuid;
        return result;
    }

    /// <summary>A copy with the keys of every object, however deep, in alphabetical order (as Flask's jsonify).</summary>
    private static JsonNode? SortedKeys(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, SortedKeys(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(SortedKeys)]),
        _ => node?.DeepClone(),
    };

    private static List<(JsonObject Json, ParsedCondition Parsed)> CheckConditions(JsonNode? conditionsJson)
    {
        if (conditionsJson is not JsonArray list)
        {
            throw Schema("conditions", $"{PythonText.Repr(conditionsJson)} is not of type 'array'");
        }

        var result = new List<(JsonObject, ParsedCondition)>();
        foreach (var item in list)
        {
            if (item is not JsonObject condition)
            {
                throw Schema("conditions", $"{PythonText.Repr(item)} is not of type 'object'");
            }

            foreach (var required in new[] { "op", "field" })
            {
                if (!condition.ContainsKey(required))
                {
                    throw Schema("conditions", $"'{required}' is a required property");
                }
            }

            var op = condition["op"]?.GetValueKind() == JsonValueKind.String ? (string)condition["op"]! : null;
            if (op is null || !RuleCondition.All.TryGetValue(op, out var plugin))
            {
                throw Schema("conditions", $"{PythonText.Repr(condition["op"])} is not one of {ChoiceList(RuleCondition.All.Keys)}");
            }

            if (condition["field"]?.GetValueKind() != JsonValueKind.String)
            {
                throw Schema("conditions", $"{PythonText.Repr(condition["field"])} is not of type 'string'");
            }

            var multiple = condition["multiple"] ?? "any";
            if (multiple.GetValueKind() != JsonValueKind.String || !MultipleChoices.Contains((string)multiple!))
            {
                throw Schema("conditions", $"{PythonText.Repr(multiple)} is not one of {ChoiceList(MultipleChoices)}");
            }

            var invert = condition["invert"] ?? false;
            if (invert.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
            {
                throw Schema("conditions", $"{PythonText.Repr(invert)} is not of type 'boolean'");
            }

            var field = (string)condition["field"]!;
            var (onNode, path) = ParseField(field);
            var parameters = new JsonObject(condition.Where(p => !ReservedConditionKeys.Contains(p.Key))
                .Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
            if ((CheckParameters(parameters, plugin.Required, []) ?? plugin.Validate(parameters)) is { } problem)
            {
                throw new RuleValidationException($"Invalid parameters for operator {op}: {problem}");
            }

            var normalised = new JsonObject
            {
                ["field"] = field, ["invert"] = (bool)invert, ["multiple"] = (string)multiple!, ["op"] = op,
            };
            foreach (var (key, value) in parameters)
            {
                normalised[key] = value?.DeepClone();
            }

            result.Add((normalised, new ParsedCondition(plugin, onNode, path, (string)multiple!, (bool)invert, parameters)));
        }

        return result;
    }

    private static JsonArray CheckActions(JsonNode? actionsJson)
    {
        if (actionsJson is null)
        {
            throw Schema("actions", "None is not of type 'array'");
        }

        if (actionsJson is not JsonArray list)
        {
            throw Schema("actions", $"{PythonText.Repr(actionsJson)} is not of type 'array'");
        }

        if (list.Count == 0)
        {
            throw Schema("actions", "[] is too short");
        }

        var result = new JsonArray();
        foreach (var item in list)
        {
            if (item is not JsonObject action)
            {
                throw Schema("actions", $"{PythonText.Repr(item)} is not of type 'object'");
            }

            if (!action.ContainsKey("action"))
            {
                throw Schema("actions", "'action' is a required property");
            }

            var name = action["action"]?.GetValueKind() == JsonValueKind.String ? (string)action["action"]! : null;
            if (name is null || !RuleAction.All.TryGetValue(name, out var plugin))
            {
                throw Schema("actions", $"{PythonText.Repr(action["action"])} is not one of {ChoiceList(RuleAction.All.Keys)}");
            }

            var parameters = new JsonObject(action.Where(p => p.Key != "action").Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
            if ((plugin.Validate(parameters) ?? CheckParameters(parameters, plugin.Required, plugin.Optional)) is { } problem)
            {
                throw new RuleValidationException($"Invalid parameters for action {name}: {problem}");
            }

            result.Add((JsonNode)action.DeepClone());
        }

        return result;
    }

    /// <summary>Splits <c>node://path</c> / <c>data://path</c> / <c>path</c> and parses the JSONPath.</summary>
    private static (bool OnNode, JsonPath Path) ParseField(string field)
    {
        var separator = field.IndexOf("://", StringComparison.Ordinal);
        var scheme = separator >= 0 ? field[..separator] : "data";
        var path = separator >= 0 ? field[(separator + 3)..] : field;
        if (scheme is not ("node" or "data"))
        {
            throw new RuleValidationException($"Unsupported scheme for field: {scheme}, valid values are node:// or data://");
        }

        try
        {
            return (scheme == "node", JsonPath.Parse(path));
        }
        catch (FormatException e)
        {
            throw new RuleValidationException($"Unable to parse field JSON path {field}: {e.Message}");
        }
    }

    /// <summary>As the reference's plugin validation: a parameter whose value is null counts as not given.</summary>
    private static string? CheckParameters(JsonObject parameters, IReadOnlyCollection<string> required, IReadOnlyCollection<string> optional)
    {
        var passed = parameters.Where(p => p.Value is not null).Select(p => p.Key).ToList();
        var missing = required.Where(r => !passed.Contains(r)).ToList();
        var unexpected = passed.Where(k => !required.Contains(k) && !optional.Contains(k)).ToList();
        var problems = new List<string>();
        if (missing.Count > 0)
        {
            problems.Add($"missing required parameter(s): {string.Join(", ", missing)}");
        }

        if (unexpected.Count > 0)
        {
            problems.Add($"unexpected parameter(s): {string.Join(", ", unexpected)}");
        }

        return problems.Count > 0 ? string.Join("; ", problems) : null;
    }

    private static string? OptionalString(JsonObject body, string key)
    {
        var value = body[key];
        return value?.GetValueKind() switch
        {
            null or JsonValueKind.Null => null,
            JsonValueKind.String => (string)value!,
            _ => throw new RuleValidationException($"Invalid {key}: {PythonText.Repr(value)} is not a string"),
        };
    }

    private static RuleValidationException Schema(string what, string problem) =>
        new($"Validation failed for {what}: {problem}");

    private static string ChoiceList(IEnumerable<string> choices) =>
        "[" + string.Join(", ", choices.Order(StringComparer.Ordinal).Select(c => $"'{c}'")) + "]";
}

public sealed class RuleValidationException(string message) : Exception(message);
