using System.Text.Json.Nodes;

namespace Inspector.IronicEmulator;

/// <summary>RFC 6902 add / replace / remove on a JSON document, as Ironic applies node patches.</summary>
public static class JsonPatch
{
    /// <summary>Applies the patch; returns an error message or null.</summary>
    public static string? Apply(JsonObject document, JsonArray patch)
    {
        foreach (var item in patch)
        {
            var op = (string?)item?["op"];
            var path = (string?)item?["path"];
            if (op is null || path is null || !path.StartsWith('/'))
            {
                return "Invalid patch: every operation needs op and an absolute path";
            }

            var segments = path[1..].Split('/').Select(s => s.Replace("~1", "/").Replace("~0", "~")).ToArray();
            JsonNode? parent = document;
            foreach (var segment in segments[..^1])
            {
                if (parent is not JsonObject o)
                {
                    return $"Invalid patch path {path}";
                }

                if (o[segment] is null && op == "add")
                {
                    o[segment] = new JsonObject();
                }

                parent = o[segment];
            }

            var last = segments[^1];
            switch (parent, op)
            {
                case (JsonObject o, "add" or "replace"):
                    if (op == "replace" && !o.ContainsKey(last))
                    {
                        return $"Cannot replace missing {path}";
                    }

                    o[last] = item!["value"]?.DeepClone();
                    break;
                case (JsonObject o, "remove"):
                    if (!o.Remove(last))
                    {
                        return $"Cannot remove missing {path}";
                    }

                    break;
                case (JsonArray a, "add") when last == "-":
                    a.Add(item!["value"]?.DeepClone());
                    break;
                default:
                    return $"Unsupported patch operation {op} on {path}";
            }
        }

        return null;
    }
}
