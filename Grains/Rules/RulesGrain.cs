using System.Text.Json;
using System.Text.Json.Nodes;
using Inspector.Grains.Interfaces.Rules;
using Inspector.Grains.Json;
using Inspector.Grains.Storage;
using Orleans.Concurrency;

namespace Inspector.Grains.Rules;

[GrainType("rules")]
[StatelessWorker]
[Reentrant]
public sealed class RulesGrain(IRuleStore store, RulesCache cache) : Grain, IRulesGrain
{
    public async Task<RuleReply> CreateAsync(string body)
    {
        JsonObject json;
        try
        {
            json = ClientJson.Parse(body) as JsonObject ?? throw new RuleValidationException("Invalid rule: expected a JSON object");
        }
        catch (JsonException e)
        {
            return new RuleReply(400, null, $"Invalid JSON in the request body: {e.Message}");
        }
        catch (RuleValidationException e)
        {
            return new RuleReply(400, null, e.Message);
        }

        var uuid = Guid.NewGuid().ToString();
        if (json["uuid"] is { } given && given.GetValueKind() != JsonValueKind.Null)
        {
            if (given.GetValueKind() != JsonValueKind.String || !Guid.TryParse((string)given!, out var parsed))
            {
                return new RuleReply(400, null, $"Invalid UUID value: {PythonText.Str(given)}");
            }

            uuid = parsed.ToString();
        }

        IntrospectionRule rule;
        try
        {
            rule = IntrospectionRule.Create(json, uuid);
        }
        catch (RuleValidationException e)
        {
            return new RuleReply(400, null, e.Message);
        }

        if (!await store.CreateAsync(uuid, rule.Document))
        {
            return new RuleReply(409, null, $"Rule with UUID {uuid} already exists");
        }

        cache.Invalidate();
        return new RuleReply(201, rule.ToApi(full: true).ToJsonString());
    }

    public async Task<RuleReply> GetAsync(string uuid)
    {
        var document = await store.GetAsync(Normalize(uuid));
        return document is null
            ? NotFound(uuid)
            : new RuleReply(200, IntrospectionRule.FromDocument(document).ToApi(full: true).ToJsonString());
    }

    public async Task<RuleReply> ListAsync()
    {
        var rules = (await store.ListAsync()).Select(d => (JsonNode)IntrospectionRule.FromDocument(d).ToApi(full: false));
        return new RuleReply(200, new JsonObject { ["rules"] = new JsonArray([.. rules]) }.ToJsonString());
    }

    public async Task<RuleReply> DeleteAsync(string uuid)
    {
        if (!await store.DeleteAsync(Normalize(uuid)))
        {
            return NotFound(uuid);
        }

        cache.Invalidate();
        return new RuleReply(204, null);
    }

    public async Task<RuleReply> DeleteAllAsync()
    {
        await store.DeleteAllAsync();
        cache.Invalidate();
        return new RuleReply(204, null);
    }

    private static string Normalize(string uuid) => Guid.TryParse(uuid, out var parsed) ? parsed.ToString() : uuid;

    private static RuleReply NotFound(string uuid) => new(404, null, $"Rule {uuid} was not found");
}
