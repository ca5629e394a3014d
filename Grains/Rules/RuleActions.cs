using System.Text.Json;
using System.Text.Json.Nodes;
using Inspector.Grains.Processing;

namespace Inspector.Grains.Rules;

/// <summary>A rule action: its parameters and what it does to the node update.</summary>
public abstract class RuleAction
{
    public static readonly IReadOnlyDictionary<string, RuleAction> All = new Dictionary<string, RuleAction>
    {
        ["fail"] = new Fail(),
        ["set-attribute"] = new SetAttribute(),
        ["set-capability"] = new SetCapability(),
        ["extend-attribute"] = new ExtendAttribute(),
        ["add-trait"] = new AddTrait(),
        ["remove-trait"] = new RemoveTrait(),
    };

    public abstract IReadOnlyCollection<string> Required { get; }

    public virtual IReadOnlyCollection<string> Optional => [];

    /// <summary>Parameters formatted with the introspection data before the action runs.</summary>
    public virtual IReadOnlyCollection<string> Formatted => [];

    /// <summary>A check before the required/optional one; returns an error text or null.</summary>
    public virtual string? Validate(JsonObject parameters) => null;

    /// <exception cref="ProcessingException">The action fails the introspection.</exception>
    public abstract void Apply(NodeUpdate update, JsonObject parameters);

    private sealed class Fail : RuleAction
    {
        // The message is not formatted (the reference's FailAction has no FORMATTED_PARAMS).
        public override IReadOnlyCollection<string> Required => ["message"];

        public override void Apply(NodeUpdate update, JsonObject parameters) =>
            throw new ProcessingException(PythonText.Str(parameters["message"]));
    }

    private sealed class SetAttribute : RuleAction
    {
        // The value key must be there, but its value may be null.
        public override IReadOnlyCollection<string> Required => ["path"];

        public override IReadOnlyCollection<string> Optional => ["value", "reset_interfaces"];

        public override IReadOnlyCollection<string> Formatted => ["value"];

        public override string? Validate(JsonObject parameters) =>
            parameters.ContainsKey("value") ? null : "missing required parameter(s): value";

        public override void Apply(NodeUpdate update, JsonObject parameters)
        {
            var path = AbsolutePath(parameters["path"]);
            update.Set(path, parameters["value"]?.DeepClone());
            if (path == "/driver")
            {
                // A new driver gets its own default interfaces unless the rule says otherwise.
                update.ResetInterfaces = parameters["reset_interfaces"]?.GetValueKind() != JsonValueKind.False;
            }
        }
    }

    private sealed class SetCapability : RuleAction
    {
        public override IReadOnlyCollection<string> Required => ["name"];

        public override IReadOnlyCollection<string> Optional => ["value"];

        public override IReadOnlyCollection<string> Formatted => ["value"];

        public override void Apply(NodeUpdate update, JsonObject parameters) =>
            update.UpdateCapabilities([new(PythonText.Str(parameters["name"]), PythonText.Str(parameters["value"]))]);
    }

    private sealed class ExtendAttribute : RuleAction
    {
        public override IReadOnlyCollection<string> Required => ["path", "value"];

        public override IReadOnlyCollection<string> Optional => ["unique"];

        public override IReadOnlyCollection<string> Formatted => ["value"];

        public override void Apply(NodeUpdate update, JsonObject parameters)
        {
            var path = AbsolutePath(parameters["path"]);
            var list = update.Current(path) is JsonArray existing ? (JsonArray)existing.DeepClone() : [];
            var value = parameters["value"];
            var unique = parameters["unique"]?.GetValueKind() == JsonValueKind.True;
            if (!unique || !list.Any(item => JsonNode.DeepEquals(item, value)))
            {
                list.Add(value?.DeepClone());
            }

            update.Set(path, list);
        }
    }

    private sealed class AddTrait : RuleAction
    {
        public override IReadOnlyCollection<string> Required => ["name"];

        public override void Apply(NodeUpdate update, JsonObject parameters)
        {
            var trait = PythonText.Str(parameters["name"]);
            update.TraitsToRemove.Remove(trait);
            update.TraitsToAdd.Add(trait);
        }
    }

    private sealed class RemoveTrait : RuleAction
    {
        public override IReadOnlyCollection<string> Required => ["name"];

        public override void Apply(NodeUpdate update, JsonObject parameters)
        {
            var trait = PythonText.Str(parameters["name"]);
            update.TraitsToAdd.Remove(trait);
            update.TraitsToRemove.Add(trait);
        }
    }

    /// <summary>Paths may be written without the leading slash.</summary>
    private static string AbsolutePath(JsonNode? path)
    {
        var text = PythonText.Str(path);
        return text.StartsWith('/') ? text : "/" + text;
    }
}
