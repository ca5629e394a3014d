using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Inspector.Tests.Infrastructure;

namespace Inspector.Tests.Storage;

/// <summary>The whole service in one process on a real PostgreSQL database instead of SQLite.</summary>
[Collection("postgres")]
public sealed class PostgresInspectorSpecs(PostgresServer postgres)
{
    [Fact]
    public async Task Introspection_rules_and_stored_data_work_on_postgresql_and_survive_a_restart()
    {
        var url = await postgres.CreateDatabaseAsync("e2e");
        var database = new Uri(url).AbsolutePath.TrimStart('/');
        var ini = new Dictionary<string, string>
        {
            ["database"] = $"connection = {url}",
            ["processing"] = "store_data = database",
        };
        var first = await InspectorHost.StartAsync(ini);
        var ironic = first.IronicServer;
        await using var _ = ironic;

        var rule = await CreateRuleAsync(first.Client);
        var finishedMac = InspectorHost.RandomMac();
        var finished = await first.StartedNodeAsync(finishedMac);
        var waitingMac = InspectorHost.RandomMac();
        var waiting = await first.StartedNodeAsync(waitingMac);

        await (await first.PostContinueAsync(RamdiskPayloads.Ipa(finishedMac))).AssertJsonAsync(HttpStatusCode.OK);
        var done = await first.StatusAsync(finished);
        Assert.Equal("finished", (string?)done["state"]);
        Assert.Equal("yes", (string?)first.Ironic.FindNode(finished)!["extra"]!["rule_success"]);
        var listBefore = await ListAsync(first.Client);
        Assert.Equal([waiting, finished], listBefore.Select(s => (string?)s!["uuid"]));

        // Everything is in PostgreSQL, not in a file next to the configuration.
        Assert.Equal("2", await postgres.PsqlAsync(database, "SELECT count(*) FROM nodes"));
        Assert.Equal("1", await postgres.PsqlAsync(database, "SELECT count(*) FROM rules"));
        Assert.False(File.Exists(Path.Combine(first.Directory, "inspector.sqlite")));

        await first.StopInspectorAsync();
        await using var second = await InspectorHost.StartAsync(ini, ironic, first.Directory);

        var again = await second.StatusAsync(finished);
        Assert.Equal(done.ToJsonString(), again.ToJsonString().Replace(second.Url, first.Url, StringComparison.Ordinal));
        var listAfter = await ListAsync(second.Client);
        Assert.Equal(
            listBefore.Select(s => s!.ToJsonString().Replace(first.Url, "", StringComparison.Ordinal)),
            listAfter.Select(s => s!.ToJsonString().Replace(second.Url, "", StringComparison.Ordinal)));
        var rules = await (await second.Client.GetAsync("/v1/rules")).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal([rule], rules["rules"]!.AsArray().Select(r => (string?)r!["uuid"]));
        var data = await (await second.Client.GetAsync($"/v1/introspection/{finished}/data")).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal([finishedMac], data["macs"]!.AsArray().Select(m => (string?)m));

        // The waiting node is still found by its MAC: the lookup index survived too.
        Assert.Equal("waiting", (string?)(await second.StatusAsync(waiting))["state"]);
        await (await second.PostContinueAsync(RamdiskPayloads.Ipa(waitingMac))).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal("finished", (string?)(await second.StatusAsync(waiting))["state"]);
        Assert.Equal("yes", (string?)second.Ironic.FindNode(waiting)!["extra"]!["rule_success"]);
    }

    private static async Task<string> CreateRuleAsync(HttpClient client)
    {
        const string body = """
            {"description": "mark processed nodes", "conditions": [],
             "actions": [{"action": "set-attribute", "path": "/extra/rule_success", "value": "yes"}]}
            """;
        var response = await client.PostAsync("/v1/rules", new StringContent(body, Encoding.UTF8, "application/json"));
        var created = await response.AssertJsonAsync(HttpStatusCode.Created);
        return (string)created["uuid"]!;
    }

    private static async Task<JsonArray> ListAsync(HttpClient client) =>
        (await (await client.GetAsync("/v1/introspection")).AssertJsonAsync(HttpStatusCode.OK))["introspection"]!.AsArray();
}
