using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Inspector.Tests.Infrastructure;

namespace Inspector.Tests.Rules;

/// <summary>The <c>/v1/rules</c> resource: creating, listing, showing and deleting rules, and validation.</summary>
public sealed class RuleApiSpecs(SharedInspector shared) : IClassFixture<SharedInspector>
{
    private const string SetAttribute = """{"action": "set-attribute", "path": "/extra/rule_success", "value": "yes"}""";

    private HttpClient Client => shared.Host.Client;

    private static async Task<HttpResponseMessage> PostRuleAsync(HttpClient client, string body, string? version = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/rules") { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        if (version is not null)
        {
            request.Headers.Add("X-OpenStack-Ironic-Inspector-API-Version", version);
        }

        return await client.SendAsync(request);
    }

    private Task<HttpResponseMessage> PostRuleAsync(string body, string? version = null) => PostRuleAsync(Client, body, version);

    private static async Task<string> CreateRuleAsync(HttpClient client, string body)
    {
        var rule = await (await PostRuleAsync(client, body)).AssertJsonAsync(HttpStatusCode.Created);
        return (string)rule["uuid"]!;
    }

    private Task<string> CreateRuleAsync(string body) => CreateRuleAsync(Client, body);

    private static async Task<JsonArray> ListAsync(HttpClient client)
    {
        var body = await (await client.GetAsync("/v1/rules")).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(["rules"], body.AsObject().Select(p => p.Key));
        return body["rules"]!.AsArray();
    }

    private static async Task AssertNoContentAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());
        Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        HttpAssertions.AssertVersionHeaders(response);
    }

    [Fact]
    public async Task Creating_a_rule_answers_201_with_the_defaults_filled_in_sorted_keys_and_a_relative_link()
    {
        var response = await PostRuleAsync("""
            {"description": "Successful Rule",
             "conditions": [{"op": "ge", "field": "memory_mb", "value": 256}, {"field": "local_gb", "op": "ge", "value": 1, "multiple": "all", "invert": true}],
             "actions": [{"value": "yes", "path": "/extra/rule_success", "action": "set-attribute"}]}
            """);
        var rule = await response.AssertJsonAsync(HttpStatusCode.Created);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var uuid = (string)rule["uuid"]!;
        Assert.True(Guid.TryParse(uuid, out _));
        var expected =
            "{\"actions\":[{\"action\":\"set-attribute\",\"path\":\"/extra/rule_success\",\"value\":\"yes\"}]," +
            "\"conditions\":[{\"field\":\"memory_mb\",\"invert\":false,\"multiple\":\"any\",\"op\":\"ge\",\"value\":256}," +
            "{\"field\":\"local_gb\",\"invert\":true,\"multiple\":\"all\",\"op\":\"ge\",\"value\":1}]," +
            "\"description\":\"Successful Rule\"," +
            $"\"links\":[{{\"href\":\"/v1/rules/{uuid}\",\"rel\":\"self\"}}]," +
            $"\"scope\":null,\"uuid\":\"{uuid}\"}}";
        Assert.Equal(expected, rule.ToJsonString());

        var shown = await (await Client.GetAsync($"/v1/rules/{uuid}")).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(expected, shown.ToJsonString());
    }

    [Fact]
    public async Task Keys_nested_in_action_values_are_sorted_too()
    {
        var rule = await (await PostRuleAsync("""
            {"actions": [{"value": {"b": 1, "a": {"d": [{"z": 1, "y": 2}], "c": 2}}, "path": "/extra/x", "action": "set-attribute"}]}
            """)).AssertJsonAsync(HttpStatusCode.Created);
        Assert.Equal(
            """[{"action":"set-attribute","path":"/extra/x","value":{"a":{"c":2,"d":[{"y":2,"z":1}]},"b":1}}]""",
            rule["actions"]!.ToJsonString());
        Assert.Equal("[]", rule["conditions"]!.ToJsonString());
        Assert.Null(rule["description"]);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Created)]
    [InlineData("1.18", HttpStatusCode.Created)]
    [InlineData("latest", HttpStatusCode.Created)]
    [InlineData("1.6", HttpStatusCode.Created)]
    [InlineData("1.5", HttpStatusCode.OK)]
    [InlineData("1.0", HttpStatusCode.OK)]
    public async Task Creation_answers_200_to_clients_asking_for_a_version_below_1_6(string? version, HttpStatusCode status)
    {
        var rule = await (await PostRuleAsync($$"""{"actions": [{{SetAttribute}}]}""", version)).AssertJsonAsync(status);
        Assert.Equal($"/v1/rules/{rule["uuid"]}", (string?)rule["links"]![0]!["href"]);
    }

    [Fact]
    public async Task A_client_given_uuid_scope_and_description_are_kept()
    {
        var uuid = Guid.NewGuid().ToString();
        var rule = await (await PostRuleAsync($$"""
            {"uuid": "{{uuid}}", "description": "Rack A", "scope": "rack-a", "actions": [{{SetAttribute}}]}
            """)).AssertJsonAsync(HttpStatusCode.Created);
        Assert.Equal(uuid, (string?)rule["uuid"]);
        Assert.Equal("rack-a", (string?)rule["scope"]);
        Assert.Equal("Rack A", (string?)rule["description"]);

        var shown = await (await Client.GetAsync($"/v1/rules/{uuid}")).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(rule.ToJsonString(), shown.ToJsonString());
    }

    [Fact]
    public async Task A_duplicate_uuid_is_409_and_keeps_the_first_rule()
    {
        var uuid = Guid.NewGuid().ToString();
        await CreateRuleAsync($$"""{"uuid": "{{uuid}}", "description": "first", "actions": [{{SetAttribute}}]}""");
        var message = await (await PostRuleAsync($$"""{"uuid": "{{uuid}}", "description": "second", "actions": [{{SetAttribute}}]}"""))
            .AssertErrorAsync(HttpStatusCode.Conflict);
        Assert.Equal($"Rule with UUID {uuid} already exists", message);
        var shown = await (await Client.GetAsync($"/v1/rules/{uuid}")).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal("first", (string?)shown["description"]);
    }

    [Fact]
    public async Task The_list_shows_the_short_form_in_creation_order_and_delete_all_empties_it()
    {
        await AssertNoContentAsync(await Client.DeleteAsync("/v1/rules"));
        Assert.Empty(await ListAsync(Client));

        var first = await CreateRuleAsync($$"""{"description": "first", "actions": [{{SetAttribute}}]}""");
        var second = await CreateRuleAsync($$"""{"description": "second", "scope": "rack-b", "actions": [{{SetAttribute}}]}""");
        var third = await CreateRuleAsync($$"""{"uuid": "00000000-0000-4000-8000-000000000001", "actions": [{{SetAttribute}}]}""");

        var rules = await ListAsync(Client);
        Assert.Equal([first, second, third], rules.Select(r => (string?)r!["uuid"]));
        Assert.Equal(
            $$"""{"description":"second","links":[{"href":"/v1/rules/{{second}}","rel":"self"}],"scope":"rack-b","uuid":"{{second}}"}""",
            rules[1]!.ToJsonString());
        Assert.All(rules, r => Assert.Equal(["description", "links", "scope", "uuid"], r!.AsObject().Select(p => p.Key)));

        await AssertNoContentAsync(await Client.DeleteAsync("/v1/rules"));
        Assert.Empty(await ListAsync(Client));
        await (await Client.GetAsync($"/v1/rules/{first}")).AssertErrorAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Deleting_a_rule_answers_204_then_404()
    {
        var kept = await CreateRuleAsync($$"""{"actions": [{{SetAttribute}}]}""");
        var uuid = await CreateRuleAsync($$"""{"actions": [{{SetAttribute}}]}""");

        await AssertNoContentAsync(await Client.DeleteAsync($"/v1/rules/{uuid}"));

        Assert.Equal($"Rule {uuid} was not found", await (await Client.GetAsync($"/v1/rules/{uuid}")).AssertErrorAsync(HttpStatusCode.NotFound));
        Assert.Equal($"Rule {uuid} was not found", await (await Client.DeleteAsync($"/v1/rules/{uuid}")).AssertErrorAsync(HttpStatusCode.NotFound));
        var listed = (await ListAsync(Client)).Select(r => (string?)r!["uuid"]).ToList();
        Assert.DoesNotContain(uuid, listed);
        Assert.Contains(kept, listed);
    }

    [Theory]
    [InlineData("6f9c6b8e-1d5c-4b1e-9b0e-3c1d2a7e4f50")]
    [InlineData("not-a-uuid")]
    public async Task An_unknown_rule_is_404(string uuid)
    {
        Assert.Equal($"Rule {uuid} was not found", await (await Client.GetAsync($"/v1/rules/{uuid}")).AssertErrorAsync(HttpStatusCode.NotFound));
        Assert.Equal($"Rule {uuid} was not found", await (await Client.DeleteAsync($"/v1/rules/{uuid}")).AssertErrorAsync(HttpStatusCode.NotFound));
    }

    /// <summary>A trailing <c>*</c> in the expected message means "starts with".</summary>
    [Theory]
    [InlineData("{not json", "Invalid JSON in the request body*")]
    [InlineData("", "Invalid JSON in the request body*")]
    [InlineData("""{"description": "\uD83D", "actions": [A]}""", "Invalid JSON in the request body: a \\u escape in a string is half of a surrogate pair, which is not a character")]
    [InlineData("""{"\uDE42": 1, "actions": [A]}""", "Invalid JSON in the request body: a \\u escape in a string is half of a surrogate pair, which is not a character")]
    [InlineData("""[{"actions": []}]""", "Invalid rule: expected a JSON object")]
    [InlineData("null", "Invalid rule: expected a JSON object")]
    [InlineData("""{"conditions": {"op": "eq"}, "actions": [A]}""", "Validation failed for conditions: {'op': 'eq'} is not of type 'array'")]
    [InlineData("""{"conditions": null, "actions": [A]}""", "Validation failed for conditions: None is not of type 'array'")]
    [InlineData("""{"conditions": [1], "actions": [A]}""", "Validation failed for conditions: 1 is not of type 'object'")]
    [InlineData("""{"conditions": [{"field": "memory_mb", "value": 1}], "actions": [A]}""", "Validation failed for conditions: 'op' is a required property")]
    [InlineData("""{"conditions": [{"op": "eq", "value": 1}], "actions": [A]}""", "Validation failed for conditions: 'field' is a required property")]
    [InlineData("""{"conditions": [{"op": "like", "field": "memory_mb", "value": 1}], "actions": [A]}""",
        "Validation failed for conditions: 'like' is not one of ['contains', 'eq', 'ge', 'gt', 'in-net', 'is-empty', 'le', 'lt', 'matches', 'ne']")]
    [InlineData("""{"conditions": [{"op": "eq", "field": 1, "value": 1}], "actions": [A]}""", "Validation failed for conditions: 1 is not of type 'string'")]
    [InlineData("""{"conditions": [{"op": "eq", "field": "memory_mb", "value": 1, "multiple": "some"}], "actions": [A]}""",
        "Validation failed for conditions: 'some' is not one of ['all', 'any', 'first']")]
    [InlineData("""{"conditions": [{"op": "eq", "field": "memory_mb", "value": 1, "invert": "yes"}], "actions": [A]}""",
        "Validation failed for conditions: 'yes' is not of type 'boolean'")]
    [InlineData("""{"conditions": [{"op": "eq", "field": "memory_mb"}], "actions": [A]}""", "Invalid parameters for operator eq: missing required parameter(s): value")]
    [InlineData("""{"conditions": [{"op": "eq", "field": "memory_mb", "value": null}], "actions": [A]}""", "Invalid parameters for operator eq: missing required parameter(s): value")]
    [InlineData("""{"conditions": [{"op": "eq", "field": "memory_mb", "value": 1, "size": 2}], "actions": [A]}""", "Invalid parameters for operator eq: unexpected parameter(s): size")]
    [InlineData("""{"conditions": [{"op": "is-empty", "field": "memory_mb", "value": 1}], "actions": [A]}""", "Invalid parameters for operator is-empty: unexpected parameter(s): value")]
    [InlineData("""{"conditions": [{"op": "matches", "field": "memory_mb", "value": "["}], "actions": [A]}""", "Invalid parameters for operator matches: invalid regular expression: *")]
    [InlineData("""{"conditions": [{"op": "contains", "field": "memory_mb", "value": "(a"}], "actions": [A]}""", "Invalid parameters for operator contains: invalid regular expression: *")]
    [InlineData("""{"conditions": [{"op": "in-net", "field": "ipmi_address", "value": "10.0.0.0/33"}], "actions": [A]}""", "Invalid parameters for operator in-net: invalid value: 10.0.0.0/33")]
    [InlineData("""{"conditions": [{"op": "in-net", "field": "ipmi_address", "value": "rack-a"}], "actions": [A]}""", "Invalid parameters for operator in-net: invalid value: rack-a")]
    [InlineData("""{"conditions": [{"op": "eq", "field": "foo://x", "value": 1}], "actions": [A]}""", "Unsupported scheme for field: foo, valid values are node:// or data://")]
    [InlineData("""{"conditions": [{"op": "eq", "field": "memory mb", "value": 1}], "actions": [A]}""", "Unable to parse field JSON path memory mb: *")]
    [InlineData("""{"conditions": [{"op": "eq", "field": "inventory.disks[", "value": 1}], "actions": [A]}""", "Unable to parse field JSON path inventory.disks[: *")]
    [InlineData("""{"conditions": [{"op": "eq", "field": "node://", "value": 1}], "actions": [A]}""", "Unable to parse field JSON path node://: *")]
    [InlineData("""{"conditions": [{"op": "eq", "field": "", "value": 1}], "actions": [A]}""", "Unable to parse field JSON path : *")]
    [InlineData("""{"conditions": []}""", "Validation failed for actions: [] is too short")]
    [InlineData("""{"actions": []}""", "Validation failed for actions: [] is too short")]
    [InlineData("""{"actions": null}""", "Validation failed for actions: None is not of type 'array'")]
    [InlineData("""{"actions": {"action": "fail"}}""", "Validation failed for actions: {'action': 'fail'} is not of type 'array'")]
    [InlineData("""{"actions": [{"message": "x"}]}""", "Validation failed for actions: 'action' is a required property")]
    [InlineData("""{"actions": [{"action": "explode"}]}""",
        "Validation failed for actions: 'explode' is not one of ['add-trait', 'extend-attribute', 'fail', 'remove-trait', 'set-attribute', 'set-capability']")]
    [InlineData("""{"actions": [{"action": "fail"}]}""", "Invalid parameters for action fail: missing required parameter(s): message")]
    [InlineData("""{"actions": [{"action": "fail", "msg": "x"}]}""", "Invalid parameters for action fail: missing required parameter(s): message; unexpected parameter(s): msg")]
    [InlineData("""{"actions": [{"action": "set-attribute", "path": "/extra/x"}]}""", "Invalid parameters for action set-attribute: missing required parameter(s): value")]
    [InlineData("""{"actions": [{"action": "set-attribute", "value": "x"}]}""", "Invalid parameters for action set-attribute: missing required parameter(s): path")]
    [InlineData("""{"actions": [{"action": "set-attribute", "path": "/extra/x", "value": 1, "force": true}]}""", "Invalid parameters for action set-attribute: unexpected parameter(s): force")]
    [InlineData("""{"actions": [{"action": "add-trait", "name": "CUSTOM_A", "value": 1}]}""", "Invalid parameters for action add-trait: unexpected parameter(s): value")]
    [InlineData("""{"actions": [{"action": "extend-attribute", "path": "/extra/x"}]}""", "Invalid parameters for action extend-attribute: missing required parameter(s): value")]
    [InlineData("""{"actions": [{"action": "set-capability", "value": "x"}]}""", "Invalid parameters for action set-capability: missing required parameter(s): name")]
    [InlineData("""{"uuid": "not-a-uuid", "actions": [A]}""", "Invalid UUID value*")]
    [InlineData("""{"uuid": 42, "actions": [A]}""", "Invalid UUID value*")]
    public async Task Invalid_rules_are_400_with_a_precise_message(string body, string expected)
    {
        body = body.Replace("[A]", $"[{SetAttribute}]", StringComparison.Ordinal);
        var message = await (await PostRuleAsync(body)).AssertErrorAsync(HttpStatusCode.BadRequest);
        if (expected.EndsWith('*'))
        {
            Assert.StartsWith(expected[..^1], message);
        }
        else
        {
            Assert.Equal(expected, message);
        }
    }

    [Fact]
    public async Task A_rejected_rule_is_not_stored()
    {
        var uuid = Guid.NewGuid().ToString();
        await (await PostRuleAsync($$"""{"uuid": "{{uuid}}", "actions": [{"action": "fail"}]}""")).AssertErrorAsync(HttpStatusCode.BadRequest);
        await (await Client.GetAsync($"/v1/rules/{uuid}")).AssertErrorAsync(HttpStatusCode.NotFound);
        await CreateRuleAsync($$"""{"uuid": "{{uuid}}", "actions": [{"action": "fail", "message": "now valid"}]}""");
    }

    [Fact]
    public async Task Null_values_are_accepted_where_the_reference_accepts_them()
    {
        var rule = await (await PostRuleAsync("""
            {"description": null, "scope": null, "uuid": null,
             "conditions": [{"op": "is-empty", "field": "extra.x", "value": null}],
             "actions": [{"action": "set-attribute", "path": "/extra/x", "value": null}, {"action": "set-capability", "name": "rack", "value": null}]}
            """)).AssertJsonAsync(HttpStatusCode.Created);
        Assert.Equal("""[{"action":"set-attribute","path":"/extra/x","value":null},{"action":"set-capability","name":"rack","value":null}]""", rule["actions"]!.ToJsonString());
        Assert.True(Guid.TryParse((string?)rule["uuid"], out _));
    }

    [Fact]
    public async Task A_scope_is_at_most_255_characters()
    {
        var message = await (await PostRuleAsync($$"""{"scope": "{{new string('s', 256)}}", "actions": [{{SetAttribute}}]}"""))
            .AssertErrorAsync(HttpStatusCode.BadRequest);
        Assert.StartsWith("Invalid scope", message);

        var rule = await (await PostRuleAsync($$"""{"scope": "{{new string('s', 255)}}", "actions": [{{SetAttribute}}]}"""))
            .AssertJsonAsync(HttpStatusCode.Created);
        Assert.Equal(255, ((string)rule["scope"]!).Length);
    }

    [Fact]
    public async Task Every_condition_and_action_can_be_created()
    {
        var rule = await (await PostRuleAsync("""
            {"conditions": [
                {"op": "eq", "field": "memory_mb", "value": 1}, {"op": "ne", "field": "memory_mb", "value": 1},
                {"op": "lt", "field": "memory_mb", "value": 1}, {"op": "gt", "field": "memory_mb", "value": 1.5},
                {"op": "le", "field": "memory_mb", "value": 1}, {"op": "ge", "field": "memory_mb", "value": 1},
                {"op": "in-net", "field": "ipmi_address", "value": "2001:db8::/32"},
                {"op": "matches", "field": "inventory.system_vendor.product_name", "value": "^Ref.*"},
                {"op": "contains", "field": "inventory.cpu.flags", "value": "vmx"},
                {"op": "is-empty", "field": "node://extra.done"},
                {"op": "eq", "field": "data://inventory.interfaces[*].ipv4_address", "value": "192.0.2.1", "multiple": "first"},
                {"op": "eq", "field": "$..serial", "value": "QM00001", "multiple": "all"}],
             "actions": [
                {"action": "fail", "message": "x"},
                {"action": "set-attribute", "path": "/driver", "value": "ipmi", "reset_interfaces": false},
                {"action": "set-capability", "name": "rack", "value": "{data[inventory][bmc_address]}"},
                {"action": "extend-attribute", "path": "/extra/tags", "value": "x", "unique": true},
                {"action": "add-trait", "name": "CUSTOM_A"},
                {"action": "remove-trait", "name": "CUSTOM_B"}]}
            """)).AssertJsonAsync(HttpStatusCode.Created);
        Assert.Equal(12, rule["conditions"]!.AsArray().Count);
        Assert.Equal(6, rule["actions"]!.AsArray().Count);
    }

    [Fact]
    public async Task Rules_survive_a_restart_of_the_inspector()
    {
        var first = await InspectorHost.StartAsync();
        var directory = first.Directory;
        string[] uuids;
        string shown;
        try
        {
            uuids =
            [
                await CreateRuleAsync(first.Client, """{"description": "Successful Rule", "conditions": [{"op": "ge", "field": "memory_mb", "value": 256}], "actions": [{"action": "add-trait", "name": "CUSTOM_RACK_A"}]}"""),
                await CreateRuleAsync(first.Client, $$"""{"description": "second", "scope": "rack-a", "actions": [{{SetAttribute}}]}"""),
            ];
            shown = (await (await first.Client.GetAsync($"/v1/rules/{uuids[0]}")).AssertJsonAsync(HttpStatusCode.OK)).ToJsonString();
        }
        finally
        {
            await first.DisposeAsync();
        }

        var second = await InspectorHost.StartAsync(directory: directory);
        try
        {
            Assert.Equal(uuids, (await ListAsync(second.Client)).Select(r => (string?)r!["uuid"]));
            Assert.Equal(shown, (await (await second.Client.GetAsync($"/v1/rules/{uuids[0]}")).AssertJsonAsync(HttpStatusCode.OK)).ToJsonString());
            await (await PostRuleAsync(second.Client, $$"""{"uuid": "{{uuids[1]}}", "actions": [{{SetAttribute}}]}""")).AssertErrorAsync(HttpStatusCode.Conflict);

            var third = await CreateRuleAsync(second.Client, $$"""{"actions": [{{SetAttribute}}]}""");
            Assert.Equal([.. uuids, third], (await ListAsync(second.Client)).Select(r => (string?)r!["uuid"]));
        }
        finally
        {
            await second.DisposeAsync();
        }
    }
}
