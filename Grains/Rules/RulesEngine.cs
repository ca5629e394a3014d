using System.Text.Json.Nodes;
using Inspector.Grains.Processing;

namespace Inspector.Grains.Rules;

/// <summary>
/// Applies introspection rules after the processing hooks: the rules whose scope fits the node
/// and whose conditions all hold are selected first, then their actions run in creation order.
/// </summary>
public static class RulesEngine
{
    /// <exception cref="ProcessingException">A <c>fail</c> action, or a parameter that cannot be formatted.</exception>
    public static void Apply(IReadOnlyList<IntrospectionRule> rules, ProcessingContext context)
    {
        if (rules.Count == 0)
        {
            return;
        }

        var update = context.RequireUpdate();
        var data = context.Data.Data;
        var scope = update.Current("/properties/inspection_scope")?.ToString();
        JsonObject? node = null;
        var matching = rules.Where(rule =>
            (string.IsNullOrEmpty(rule.Scope) || rule.Scope == scope)
            && rule.Conditions.All(c => Holds(c, c.OnNode ? node ??= update.ProjectedNode() : data))).ToList();

        foreach (var rule in matching)
        {
            foreach (var action in rule.Actions.OfType<JsonObject>())
            {
                var plugin = RuleAction.All[(string)action["action"]!];
                var parameters = new JsonObject();
                foreach (var (key, value) in action.Where(p => p.Key != "action"))
                {
                    try
                    {
                        parameters[key] = plugin.Formatted.Contains(key) ? RuleFormatter.Format(value, data) : value?.DeepClone();
                    }
                    catch (RuleFormatException e)
                    {
                        throw new ProcessingException($"Rule {rule.Uuid}: {e.Message}");
                    }
                }

                plugin.Apply(update, parameters);
            }
        }
    }

    /// <summary>One condition over every value its path finds, as <c>multiple</c> says.</summary>
    public static bool Holds(IntrospectionRule.ParsedCondition condition, JsonNode root)
    {
        var values = condition.Path.Find(root);
        if (values.Count == 0)
        {
            if (!condition.Operator.AllowNone)
            {
                return false;
            }

            values = [null];
        }

        var result = false;
        foreach (var value in values)
        {
            result = condition.Operator.Check(value, condition.Parameters) != condition.Invert;
            if (condition.Multiple == "first" || (condition.Multiple == "all" && !result) || (condition.Multiple == "any" && result))
            {
                break;
            }
        }

        return result;
    }
}
