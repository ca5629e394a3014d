using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Inspector.Tests.Infrastructure;

namespace Inspector.Tests.Rules;

/// <summary>
/// Rules applied by a whole inspector after processing: the ramdisk posts its data, and the
/// emulated Ironic node ends up changed (or the introspection failed) as the rules say. The tests
/// of this class share one inspector and run one after the other; each starts without rules.
/// </summary>
public sealed class RuleProcessingSpecs(ProcessingInspector shared) : IClassFixture<ProcessingInspector>
{
    private const string SuccessfulRule = """
        {"description": "Successful Rule",
         "conditions": [{"op": "ge", "field": "memory_mb", "value": 256}, {"op": "ge", "field": "local_gb", "value": 1}],
         "actions": [{"action": "set-attribute", "path": "/extra/rule_success", "value": "yes"},
                     {"action": "add-trait", "name": "CUSTOM_RACK_A"},
                     {"action": "set-capability", "name": "rack", "value": "a"},
                     {"action": "set-attribute", "path": "/extra/bmc", "value": "{data[inventory][bmc_address]}"}]}
        """;

    private const string FailingRule = """
        {"description": "Failing Rule",
         "conditions": [{"op": "lt", "field": "memory_mb", "value": 42}, {"op": "eq", "field": "local_gb", "value": 0}],
         "actions": [{"action": "set-attribute", "path": "/extra/rule_success", "value": "no"},
                     {"action": "fail", "message": "This rule should not have run"}]}
        """;

    private InspectorHost Host => shared.Host;

    private async Task NoRulesAsync()
    {
        var response = await Host.Client.DeleteAsync("/v1/rules");
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    private async Task<string> CreateRuleAsync(string body)
    {
        var response = await Host.Client.PostAsync("/v1/rules", new ByteArrayContent(Encoding.UTF8.GetBytes(body)));
        return (string)(await response.AssertJsonAsync(HttpStatusCode.Created))["uuid"]!;
    }

    /// <summary>Starts a node's introspection and posts its ramdisk data; returns the node and the answer.</summary>
    private async Task<(string Node, HttpResponseMessage Response)> IntrospectAsync(Action<JsonObject>? prepareNode = null)
    {
        var mac = InspectorHost.RandomMac();
        var node = Host.AddNode(mac: mac);
        prepareNode?.Invoke(Host.Ironic.FindNode(node)!);
        await (await Host.StartIntrospectionAsync(node)).AssertAcceptedAsync();
        await Host.WaitForStateAsync(node, "waiting");
        return (node, await Host.PostContinueAsync(RamdiskPayloads.Ipa(mac)));
    }

    private async Task<string> IntrospectedNodeAsync(Action<JsonObject>? prepareNode = null)
    {
        var (node, response) = await IntrospectAsync(prepareNode);
        var body = await response.AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(node, (string?)body["uuid"]);
        Assert.Equal("finished", (string?)(await Host.StatusAsync(node))["state"]);
        return node;
    }

    private JsonObject IronicNode(string node) => Host.Ironic.FindNode(node)!;

    private List<string?> Traits(string node) => [.. IronicNode(node)["traits"]!.AsArray().Select(t => (string?)t)];

    private async Task ReapplyAsync(string node, string expectedState)
    {
        await (await Host.Client.PostAsync($"/v1/introspection/{node}/data/unprocessed", null)).AssertAcceptedAsync();
        await Host.WaitForStateAsync(node, expectedState);
    }

    [Fact]
    public async Task The_smoke_rule_pair_changes_the_ironic_node()
    {
        await NoRulesAsync();
        await CreateRuleAsync(SuccessfulRule);
        await CreateRuleAsync(FailingRule);

        var node = await IntrospectedNodeAsync();

        var status = await Host.StatusAsync(node);
        Assert.Null((string?)status["error"]);
        var ironicNode = IronicNode(node);
        Assert.Equal("yes", (string?)ironicNode["extra"]!["rule_success"]);
        Assert.Equal("192.0.2.10", (string?)ironicNode["extra"]!["bmc"]);
        Assert.Equal(["CUSTOM_RACK_A"], Traits(node));
        Assert.Single(Host.Ironic.Calls, c => c.Method == "PUT" && c.Path == $"/v1/nodes/{node}/traits/CUSTOM_RACK_A");
        Assert.Equal("cpu_vt:true,cpu_aes:true,cpu_hugepages:true,cpu_hugepages_1g:true,rack:a", (string?)ironicNode["properties"]!["capabilities"]);
        Assert.Equal("8192", (string?)ironicNode["properties"]!["memory_mb"]);
    }

    [Fact]
    public async Task A_fail_rule_that_holds_ends_the_introspection_in_error_with_its_message()
    {
        await NoRulesAsync();
        await CreateRuleAsync(SuccessfulRule);
        await CreateRuleAsync("""
            {"description": "Reject big nodes",
             "conditions": [{"op": "ge", "field": "memory_mb", "value": 256}],
             "actions": [{"action": "fail", "message": "Nodes with 256 MiB or more are not welcome"}]}
            """);

        var (node, response) = await IntrospectAsync();

        var message = await response.AssertErrorAsync(HttpStatusCode.BadRequest);
        Assert.Equal("Nodes with 256 MiB or more are not welcome", message);
        var status = await Host.StatusAsync(node);
        Assert.Equal("error", (string?)status["state"]);
        Assert.Equal(message, (string?)status["error"]);
        Assert.True((bool)status["finished"]!);
    }

    [Fact]
    public async Task A_failed_rule_keeps_the_stored_data_and_what_was_changed_before_it_as_the_reference()
    {
        await NoRulesAsync();
        await CreateRuleAsync("""{"actions": [{"action": "set-attribute", "path": "/extra/before", "value": "yes"}]}""");
        await CreateRuleAsync("""{"actions": [{"action": "fail", "message": "Stop here"}]}""");

        var (node, response) = await IntrospectAsync();

        Assert.Equal("Stop here", await response.AssertErrorAsync(HttpStatusCode.BadRequest));
        var ironicNode = IronicNode(node);
        Assert.Equal("99", (string?)ironicNode["properties"]!["local_gb"]);
        Assert.Equal("yes", (string?)ironicNode["extra"]!["before"]);
        var data = await (await Host.Client.GetAsync($"/v1/introspection/{node}/data")).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(8192, (long)data["memory_mb"]!);
    }

    [Fact]
    public async Task A_format_reference_to_missing_data_fails_the_introspection_naming_the_key()
    {
        await NoRulesAsync();
        await CreateRuleAsync("""{"actions": [{"action": "set-attribute", "path": "/extra/x", "value": "{data[inventory][no_such_key]}"}]}""");

        var (node, response) = await IntrospectAsync();

        var message = await response.AssertErrorAsync(HttpStatusCode.BadRequest);
        Assert.Contains("no_such_key", message);
        Assert.Equal(message, (string?)(await Host.StatusAsync(node))["error"]);
    }

    [Fact]
    public async Task Remove_trait_removes_a_trait_the_node_has_and_ignores_one_it_lacks()
    {
        await NoRulesAsync();
        await CreateRuleAsync("""
            {"actions": [{"action": "remove-trait", "name": "CUSTOM_OLD"}, {"action": "remove-trait", "name": "CUSTOM_NEVER_SET"},
                         {"action": "add-trait", "name": "CUSTOM_NEW"}]}
            """);

        var node = await IntrospectedNodeAsync(n => n["traits"] = new JsonArray("CUSTOM_OLD", "CUSTOM_KEEP"));

        Assert.Equal(["CUSTOM_KEEP", "CUSTOM_NEW"], Traits(node));
        Assert.Single(Host.Ironic.Calls, c => c.Method == "DELETE" && c.Path == $"/v1/nodes/{node}/traits/CUSTOM_OLD");
    }

    [Fact]
    public async Task Node_fields_and_scopes_see_the_ironic_node()
    {
        await NoRulesAsync();
        await CreateRuleAsync("""
            {"scope": "rack-b", "conditions": [{"op": "eq", "field": "node://driver_info.ipmi_address", "value": "192.0.2.10"}],
             "actions": [{"action": "set-attribute", "path": "/extra/scoped", "value": "yes"}]}
            """);
        await CreateRuleAsync("""
            {"scope": "rack-c", "actions": [{"action": "set-attribute", "path": "/extra/other_scope", "value": "yes"}]}
            """);

        var node = await IntrospectedNodeAsync(n => n["properties"] = new JsonObject { ["inspection_scope"] = "rack-b" });

        Assert.Equal("yes", (string?)IronicNode(node)["extra"]!["scoped"]);
        Assert.Null(IronicNode(node)["extra"]!["other_scope"]);
    }

    [Fact]
    public async Task Setting_the_driver_asks_ironic_to_reset_the_interfaces()
    {
        await NoRulesAsync();
        await CreateRuleAsync("""{"actions": [{"action": "set-attribute", "path": "/driver", "value": "ipmi"}]}""");

        var node = await IntrospectedNodeAsync();

        Assert.Equal("ipmi", (string?)IronicNode(node)["driver"]);
        Assert.Single(Host.Ironic.Calls, c => c.Method == "PATCH" && c.Path == $"/v1/nodes/{node}?reset_interfaces=True");
    }

    [Fact]
    public async Task Rules_also_run_on_reapply()
    {
        await NoRulesAsync();
        var node = await IntrospectedNodeAsync();
        Assert.Null(IronicNode(node)["extra"]!["vendor"]);

        await CreateRuleAsync("""
            {"conditions": [{"op": "matches", "field": "inventory.system_vendor.manufacturer", "value": "Ref.*"}],
             "actions": [{"action": "set-attribute", "path": "/extra/vendor", "value": "{data[inventory][system_vendor][manufacturer]}"},
                         {"action": "add-trait", "name": "CUSTOM_REAPPLIED"}]}
            """);
        await ReapplyAsync(node, "finished");

        Assert.Equal("RefVendor", (string?)IronicNode(node)["extra"]!["vendor"]);
        Assert.Contains("CUSTOM_REAPPLIED", Traits(node));
    }

    [Fact]
    public async Task A_fail_rule_on_reapply_ends_in_error_with_its_message()
    {
        await NoRulesAsync();
        var node = await IntrospectedNodeAsync();

        await CreateRuleAsync("""{"conditions": [{"op": "ge", "field": "cpus", "value": 2}], "actions": [{"action": "fail", "message": "Too many CPUs"}]}""");
        await ReapplyAsync(node, "error");

        Assert.Equal("Too many CPUs", (string?)(await Host.StatusAsync(node))["error"]);
    }

    [Fact]
    public async Task A_rule_created_or_deleted_after_a_processing_counts_for_the_next_one()
    {
        await NoRulesAsync();
        var before = await IntrospectedNodeAsync();
        Assert.Null(IronicNode(before)["extra"]!["late"]);

        var rule = await CreateRuleAsync("""{"actions": [{"action": "set-attribute", "path": "/extra/late", "value": "yes"}]}""");
        var during = await IntrospectedNodeAsync();
        Assert.Equal("yes", (string?)IronicNode(during)["extra"]!["late"]);

        Assert.Equal(HttpStatusCode.NoContent, (await Host.Client.DeleteAsync($"/v1/rules/{rule}")).StatusCode);
        var after = await IntrospectedNodeAsync();
        Assert.Null(IronicNode(after)["extra"]!["late"]);
    }
}
