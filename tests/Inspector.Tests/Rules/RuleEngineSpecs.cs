using System.Text.Json.Nodes;
using Inspector.Grains.Ironic;
using Inspector.Grains.Processing;
using Inspector.Grains.Rules;
using Inspector.Tests.Infrastructure;

namespace Inspector.Tests.Rules;

/// <summary>
/// The rules engine on its own: conditions over the introspection data and the Ironic node, and
/// the changes the actions collect in the node update. No host, no HTTP.
/// </summary>
public sealed class RuleEngineSpecs
{
    private const string PxeMac = "52:54:00:12:34:56";

    /// <summary>
    /// Introspection data as the processing hooks leave it: the IPA inventory parsed from the
    /// ramdisk's JSON, plus the scheduler keys the hooks add.
    /// </summary>
    private static JsonObject Data()
    {
        var data = JsonNode.Parse(RamdiskPayloads.Ipa(PxeMac).ToJsonString())!.AsObject();
        data["memory_mb"] = 8192;
        data["local_gb"] = 99;
        data["cpus"] = 4;
        data["cpu_arch"] = "x86_64";
        return data;
    }

    private static JsonObject IronicNodeDocument() => new()
    {
        ["uuid"] = "1a2b3c4d-0000-4000-8000-000000000001",
        ["name"] = "node-1",
        ["driver"] = "fake-hardware",
        ["provision_state"] = "manageable",
        ["driver_info"] = new JsonObject { ["ipmi_address"] = "192.0.2.10" },
        ["properties"] = new JsonObject { ["cpu_arch"] = "x86_64", ["capabilities"] = "boot_mode:bios" },
        ["extra"] = new JsonObject { ["tags"] = new JsonArray("a") },
        ["traits"] = new JsonArray("CUSTOM_OLD"),
    };

    private static IntrospectionRule Rule(string json) =>
        IntrospectionRule.Create(JsonNode.Parse(json)!.AsObject(), Guid.NewGuid().ToString());

    /// <summary>A rule with one condition that sets <c>/extra/hit</c> when it holds.</summary>
    private static IntrospectionRule Hit(string conditionJson) =>
        Rule($$"""{"conditions": [{{conditionJson}}], "actions": [{"action": "set-attribute", "path": "/extra/hit", "value": "yes"}]}""");

    private static NodeUpdate Apply(IEnumerable<IntrospectionRule> rules, JsonObject? data = null, JsonObject? node = null, Action<NodeUpdate>? hooks = null)
    {
        var context = new ProcessingContext("1a2b3c4d-0000-4000-8000-000000000001", RamdiskData.FromObject(data ?? Data()));
        context.Node = new IronicNode(node ?? IronicNodeDocument());
        context.Update = new NodeUpdate(context.Node, overwriteExisting: true);
        hooks?.Invoke(context.Update);
        RulesEngine.Apply([.. rules], context);
        return context.Update;
    }

    private static NodeUpdate Apply(params IntrospectionRule[] rules) => Apply(rules, null);

    private static Dictionary<string, string> Patch(NodeUpdate update)
    {
        var patch = update.NodePatch();
        Assert.All(patch, op => Assert.Equal("add", (string?)op!["op"]));
        return patch.ToDictionary(op => (string)op!["path"]!, op => op!["value"]?.ToJsonString() ?? "null");
    }

    private static bool Applied(NodeUpdate update) => Patch(update).ContainsKey("/extra/hit");

    private static bool Holds(string conditionJson, JsonObject? data = null, JsonObject? node = null) =>
        Applied(Apply([Hit(conditionJson)], data, node));

    // ---- comparisons ----

    [Theory]
    [InlineData("eq", "8192", "8192", true)]
    [InlineData("eq", "\"8192\"", "8192", true)] // the field is cast to the value's type
    [InlineData("eq", "\" 8192 \"", "8192", true)] // as Python's int()
    [InlineData("eq", "8192", "\"8192\"", false)] // a string value casts nothing
    [InlineData("eq", "\"x86_64\"", "\"x86_64\"", true)]
    [InlineData("eq", "\"abc\"", "1", false)] // not a number
    [InlineData("ne", "8192", "4096", true)]
    [InlineData("ne", "8192", "8192", false)]
    [InlineData("lt", "8192", "16384", true)]
    [InlineData("lt", "8192", "8192", false)]
    [InlineData("gt", "8192", "4096", true)]
    [InlineData("gt", "8192", "8192", false)]
    [InlineData("le", "8192", "8192", true)]
    [InlineData("le", "8193", "8192", false)]
    [InlineData("ge", "8192", "8192", true)]
    [InlineData("ge", "8192", "8193", false)]
    [InlineData("eq", "1.9", "1", true)] // int(1.9) == 1
    [InlineData("ge", "8.9", "9", false)] // int(8.9) == 8
    [InlineData("gt", "2", "1.5", true)] // float(2) > 1.5
    [InlineData("lt", "\"1.4\"", "1.5", true)] // float('1.4') < 1.5
    [InlineData("eq", "\"1.5\"", "1", false)] // int('1.5') fails
    [InlineData("lt", "\"a\"", "\"b\"", true)] // strings compare as text
    [InlineData("eq", "false", "false", true)]
    [InlineData("eq", "true", "false", false)]
    public void Comparisons_cast_the_field_to_the_type_of_a_numeric_value(string op, string field, string value, bool expected)
    {
        var data = Data();
        data["field"] = JsonNode.Parse(field);
        Assert.Equal(expected, Holds($$"""{"op": "{{op}}", "field": "field", "value": {{value}}}""", data));
    }

    [Fact]
    public void The_processed_memory_and_disk_compare_with_numbers()
    {
        Assert.True(Holds("""{"op": "ge", "field": "memory_mb", "value": 256}"""));
        Assert.True(Holds("""{"op": "ge", "field": "local_gb", "value": 1}"""));
        Assert.False(Holds("""{"op": "lt", "field": "memory_mb", "value": 42}"""));
        Assert.True(Holds("""{"op": "eq", "field": "inventory.cpu.count", "value": 4}"""));
    }

    // ---- in-net, matches, contains ----

    [Theory]
    [InlineData("192.0.2.10", "192.0.2.0/24", true)]
    [InlineData("192.0.3.10", "192.0.2.0/24", false)]
    [InlineData("192.0.2.10", "192.0.2.10", true)] // a bare address is a one-address network
    [InlineData("192.0.2.77", "192.0.2.5/24", true)] // host bits in the network are accepted
    [InlineData("2001:db8::5", "2001:db8::/32", true)]
    [InlineData("2001:db9::5", "2001:db8::/32", false)]
    [InlineData("192.0.2.10", "2001:db8::/32", false)]
    [InlineData("not-an-address", "0.0.0.0/0", false)]
    public void In_net_checks_the_address_against_the_network(string address, string network, bool expected)
    {
        var data = Data();
        data["inventory"]!["bmc_address"] = address;
        Assert.Equal(expected, Holds($$"""{"op": "in-net", "field": "inventory.bmc_address", "value": "{{network}}"}""", data));
    }

    [Theory]
    [InlineData("QEMU.*", true)]
    [InlineData("QEMU", false)] // the whole value must match
    [InlineData("Virtual.*", false)] // from the start
    [InlineData("QEMU Virtual CPU version 2\\\\.5\\\\+$", true)]
    [InlineData("qemu.*", false)]
    public void Matches_needs_the_whole_value_to_match(string pattern, bool expected) =>
        Assert.Equal(expected, Holds($$"""{"op": "matches", "field": "inventory.cpu.model_name", "value": "{{pattern}}"}"""));

    [Theory]
    [InlineData("Virtual", true)]
    [InlineData("2\\\\.5", true)]
    [InlineData("^Virtual", false)]
    [InlineData("(?i)qemu", true)]
    [InlineData("KVM", false)]
    public void Contains_searches_anywhere_in_the_value(string pattern, bool expected) =>
        Assert.Equal(expected, Holds($$"""{"op": "contains", "field": "inventory.cpu.model_name", "value": "{{pattern}}"}"""));

    [Fact]
    public void Regular_expressions_see_numbers_and_booleans_as_python_prints_them()
    {
        Assert.True(Holds("""{"op": "matches", "field": "memory_mb", "value": "8\\d+"}"""));
        Assert.True(Holds("""{"op": "matches", "field": "inventory.disks[0].rotational", "value": "True"}"""));
        Assert.True(Holds("""{"op": "contains", "field": "inventory.disks[0].wwn", "value": "None"}"""));
    }

    // ---- is-empty ----

    [Theory]
    [InlineData(null, true)] // missing
    [InlineData("\"\"", true)]
    [InlineData("[]", true)]
    [InlineData("{}", true)]
    [InlineData("null", true)]
    [InlineData("\"x\"", false)]
    [InlineData("0", false)]
    [InlineData("false", false)]
    [InlineData("[1]", false)]
    [InlineData("{\"a\": 1}", false)]
    public void Is_empty_holds_for_missing_empty_and_null_values(string? value, bool expected)
    {
        var data = Data();
        if (value is not null)
        {
            data["thing"] = JsonNode.Parse(value);
        }

        Assert.Equal(expected, Holds("""{"op": "is-empty", "field": "thing"}""", data));
    }

    // ---- lists and multiple ----

    [Theory]
    [InlineData("any", true)]
    [InlineData("all", false)] // lo is 127.0.0.1, eth2 has no address
    [InlineData("first", true)] // eth0
    public void Wildcards_over_interfaces_follow_multiple(string multiple, bool expected) =>
        Assert.Equal(expected, Holds(
            $$"""{"op": "in-net", "field": "inventory.interfaces[*].ipv4_address", "value": "192.0.2.0/24", "multiple": "{{multiple}}"}"""));

    [Theory]
    [InlineData("ge", 50, "all", true)]
    [InlineData("ge", 100, "all", false)]
    [InlineData("ge", 100, "any", true)]
    [InlineData("lt", 100, "first", false)] // the first disk is the 100 GiB one
    [InlineData("lt", 100, "any", true)]
    [InlineData("gt", 100, "any", false)]
    public void Wildcards_over_disk_sizes_follow_multiple(string op, long gib, string multiple, bool expected) =>
        Assert.Equal(expected, Holds(
            $$"""{"op": "{{op}}", "field": "inventory.disks[*].size", "value": {{gib * RamdiskPayloads.GiB}}, "multiple": "{{multiple}}"}"""));

    [Fact]
    public void Multiple_defaults_to_any()
    {
        Assert.True(Holds("""{"op": "eq", "field": "inventory.disks[*].rotational", "value": false}"""));
        Assert.False(Holds("""{"op": "eq", "field": "inventory.disks[*].rotational", "value": false, "multiple": "first"}"""));
        Assert.False(Holds("""{"op": "eq", "field": "inventory.disks[*].rotational", "value": false, "multiple": "all"}"""));
    }

    [Fact]
    public void Paths_index_quote_and_descend_like_jsonpath()
    {
        Assert.True(Holds("""{"op": "eq", "field": "inventory.disks[1].name", "value": "/dev/sdb"}"""));
        Assert.True(Holds("""{"op": "eq", "field": "inventory.disks[-1].name", "value": "/dev/sdb"}"""));
        Assert.True(Holds("""{"op": "eq", "field": "$.inventory.memory.physical_mb", "value": 8192}"""));
        Assert.True(Holds("""{"op": "eq", "field": "inventory.\"system_vendor\".manufacturer", "value": "RefVendor"}"""));
        Assert.True(Holds("""{"op": "eq", "field": "inventory['boot'].current_boot_mode", "value": "bios"}"""));
        Assert.True(Holds("""{"op": "eq", "field": "data://inventory.cpu.architecture", "value": "x86_64"}"""));
        Assert.True(Holds("""{"op": "eq", "field": "$..serial", "value": "QM00002"}"""));
        Assert.False(Holds("""{"op": "eq", "field": "inventory.disks[5].name", "value": "/dev/sdb"}"""));
    }

    [Fact]
    public void Star_after_a_dot_takes_the_values_of_an_object_and_brackets_the_items_of_a_list_as_jsonpath_rw()
    {
        var data = Data();
        data["all_interfaces"] = new JsonObject
        {
            ["eth0"] = new JsonObject { ["ip"] = "192.0.2.100" },
            ["eth1"] = new JsonObject { ["ip"] = "192.0.2.101" },
        };
        Assert.True(Holds("""{"op": "eq", "field": "all_interfaces.*.ip", "value": "192.0.2.101"}""", data));
        Assert.False(Holds("""{"op": "eq", "field": "all_interfaces[*].ip", "value": "192.0.2.101"}""", data));
        Assert.True(Holds("""{"op": "eq", "field": "inventory.interfaces[*].name", "value": "lo"}""", data));
        Assert.False(Holds("""{"op": "eq", "field": "inventory.interfaces.*.name", "value": "lo"}""", data));
    }

    // ---- invert and missing fields ----

    [Fact]
    public void Invert_negates_each_value_before_multiple_decides()
    {
        Assert.True(Holds("""{"op": "lt", "field": "memory_mb", "value": 1024, "invert": true}"""));
        Assert.False(Holds("""{"op": "ge", "field": "memory_mb", "value": 1024, "invert": true}"""));
        // "no interface is on loopback" is false because of lo
        Assert.False(Holds("""{"op": "contains", "field": "inventory.interfaces[*].ipv4_address", "value": "^127\\.", "invert": true, "multiple": "all"}"""));
        Assert.True(Holds("""{"op": "contains", "field": "inventory.interfaces[*].ipv4_address", "value": "^127\\.", "invert": true, "multiple": "first"}"""));
    }

    [Fact]
    public void A_missing_field_means_the_rule_does_not_apply_even_inverted()
    {
        Assert.False(Holds("""{"op": "eq", "field": "inventory.gpu.count", "value": 0}"""));
        Assert.False(Holds("""{"op": "ne", "field": "inventory.gpu.count", "value": 0}"""));
        Assert.False(Holds("""{"op": "eq", "field": "inventory.gpu.count", "value": 0, "invert": true}"""));
        Assert.False(Holds("""{"op": "eq", "field": "node://extra.missing", "value": 0}"""));
        Assert.False(Holds("""{"op": "is-empty", "field": "inventory.gpu", "invert": true}"""));
    }

    [Fact]
    public void All_conditions_of_a_rule_must_hold()
    {
        var both = Rule("""
            {"conditions": [{"op": "ge", "field": "memory_mb", "value": 256}, {"op": "ge", "field": "local_gb", "value": 1}],
             "actions": [{"action": "set-attribute", "path": "/extra/hit", "value": "yes"}]}
            """);
        var one = Rule("""
            {"conditions": [{"op": "ge", "field": "memory_mb", "value": 256}, {"op": "eq", "field": "local_gb", "value": 0}],
             "actions": [{"action": "set-attribute", "path": "/extra/miss", "value": "yes"}]}
            """);
        var patch = Patch(Apply(both, one));
        Assert.Equal("\"yes\"", patch["/extra/hit"]);
        Assert.False(patch.ContainsKey("/extra/miss"));
    }

    [Fact]
    public void A_rule_without_conditions_always_applies() =>
        Assert.True(Applied(Apply(Rule("""{"actions": [{"action": "set-attribute", "path": "/extra/hit", "value": "yes"}]}"""))));

    [Fact]
    public void No_rules_change_nothing()
    {
        var update = Apply();
        Assert.Empty(update.NodePatch());
        Assert.Empty(update.TraitsToAdd);
        Assert.Empty(update.TraitsToRemove);
    }

    // ---- node:// fields and scope ----

    [Fact]
    public void Node_fields_address_the_ironic_node()
    {
        Assert.True(Holds("""{"op": "eq", "field": "node://properties.cpu_arch", "value": "x86_64"}"""));
        Assert.True(Holds("""{"op": "eq", "field": "node://driver_info.ipmi_address", "value": "192.0.2.10"}"""));
        Assert.True(Holds("""{"op": "eq", "field": "node://traits[0]", "value": "CUSTOM_OLD"}"""));
        Assert.True(Holds("""{"op": "is-empty", "field": "node://properties.memory_mb"}"""));
        Assert.False(Holds("""{"op": "eq", "field": "node://name", "value": "node-2"}"""));
    }

    [Fact]
    public void Node_fields_see_what_the_hooks_set_earlier_in_the_same_processing()
    {
        var node = IronicNodeDocument();
        node["properties"]!["memory_mb"] = "1024";
        var rule = Hit("""{"op": "ge", "field": "node://properties.memory_mb", "value": 4096}""");
        Assert.False(Applied(Apply([rule], node: node)));

        var update = Apply([rule], node: node, hooks: u =>
        {
            u.SetProperty("memory_mb", "8192");
            u.UpdateCapabilities([new("cpu_vt", "true")]);
        });
        Assert.True(Applied(update));

        var capabilities = Hit("""{"op": "contains", "field": "node://properties.capabilities", "value": "cpu_vt:true"}""");
        Assert.True(Applied(Apply([capabilities], hooks: u => u.UpdateCapabilities([new("cpu_vt", "true")]))));
        Assert.False(Applied(Apply([capabilities])));
    }

    [Theory]
    [InlineData("rack-a", "rack-a", true)]
    [InlineData("rack-a", "rack-b", false)]
    [InlineData("rack-a", null, false)]
    [InlineData(null, "rack-a", true)]
    [InlineData("", "rack-a", true)]
    [InlineData(null, null, true)]
    public void A_scoped_rule_applies_only_to_nodes_of_its_inspection_scope(string? ruleScope, string? nodeScope, bool expected)
    {
        var node = IronicNodeDocument();
        if (nodeScope is not null)
        {
            node["properties"]!["inspection_scope"] = nodeScope;
        }

        var scope = ruleScope is null ? "null" : $"\"{ruleScope}\"";
        var rule = Rule($$"""{"scope": {{scope}}, "actions": [{"action": "set-attribute", "path": "/extra/hit", "value": "yes"}]}""");
        Assert.Equal(expected, Applied(Apply([rule], node: node)));
    }

    [Fact]
    public void The_scope_a_hook_sets_counts()
    {
        var rule = Rule("""{"scope": "rack-a", "actions": [{"action": "set-attribute", "path": "/extra/hit", "value": "yes"}]}""");
        Assert.True(Applied(Apply([rule], hooks: u => u.SetProperty("inspection_scope", "rack-a"))));
    }

    // ---- actions ----

    [Fact]
    public void Fail_ends_processing_with_the_rules_message()
    {
        var rule = Rule("""{"conditions": [{"op": "ge", "field": "memory_mb", "value": 1}], "actions": [{"action": "fail", "message": "Node has too much memory"}]}""");
        var error = Assert.Throws<ProcessingException>(() => Apply(rule));
        Assert.Equal("Node has too much memory", error.Message);
    }

    [Fact]
    public void A_fail_message_is_not_formatted()
    {
        var rule = Rule("""{"actions": [{"action": "fail", "message": "Expected {data[nothing]} and {braces}"}]}""");
        Assert.Equal("Expected {data[nothing]} and {braces}", Assert.Throws<ProcessingException>(() => Apply(rule)).Message);
    }

    [Fact]
    public void Set_attribute_formats_its_value_with_the_data()
    {
        var patch = Patch(Apply(Rule("""
            {"actions": [
                {"action": "set-attribute", "path": "/extra/bmc", "value": "{data[inventory][bmc_address]}"},
                {"action": "set-attribute", "path": "/extra/memory", "value": "{data[memory_mb]} MiB"},
                {"action": "set-attribute", "path": "/extra/first_disk", "value": "{data[inventory][disks][0][name]}"},
                {"action": "set-attribute", "path": "/extra/literal", "value": "{{not a field}}"},
                {"action": "set-attribute", "path": "/extra/number", "value": 42}
            ]}
            """)));
        Assert.Equal("\"192.0.2.10\"", patch["/extra/bmc"]);
        Assert.Equal("\"8192 MiB\"", patch["/extra/memory"]);
        Assert.Equal("\"/dev/sda\"", patch["/extra/first_disk"]);
        Assert.Equal("\"{not a field}\"", patch["/extra/literal"]);
        Assert.Equal("42", patch["/extra/number"]);
    }

    [Fact]
    public void Strings_nested_in_objects_and_lists_are_formatted_keys_included()
    {
        var patch = Patch(Apply(Rule("""
            {"actions": [{"action": "set-attribute", "path": "/extra/hardware", "value":
                {"bmc": "{data[inventory][bmc_address]}", "disks": ["{data[inventory][disks][0][name]}", 7, null],
                 "{data[cpu_arch]}": true, "nested": {"vendor": "{data[inventory][system_vendor][manufacturer]}"}}}]}
            """)));
        Assert.Equal(
            """{"bmc":"192.0.2.10","disks":["/dev/sda",7,null],"x86_64":true,"nested":{"vendor":"RefVendor"}}""",
            patch["/extra/hardware"]);
    }

    [Fact]
    public void A_format_reference_to_a_missing_key_fails_naming_the_key()
    {
        var rule = Rule("""{"actions": [{"action": "set-attribute", "path": "/extra/x", "value": "{data[inventory][no_such_key]}"}]}""");
        var error = Assert.Throws<ProcessingException>(() => Apply(rule));
        Assert.Contains("no_such_key", error.Message);
        Assert.Contains("{data[inventory][no_such_key]}", error.Message);
    }

    [Fact]
    public void Set_attribute_accepts_a_path_without_leading_slash_and_a_null_value()
    {
        var patch = Patch(Apply(Rule("""
            {"actions": [{"action": "set-attribute", "path": "extra/no_slash", "value": "yes"},
                         {"action": "set-attribute", "path": "/extra/nothing", "value": null}]}
            """)));
        Assert.Equal("\"yes\"", patch["/extra/no_slash"]);
        Assert.Equal("null", patch["/extra/nothing"]);
    }

    [Theory]
    [InlineData("/driver", "", true)]
    [InlineData("driver", "", true)]
    [InlineData("/driver", ", \"reset_interfaces\": true", true)]
    [InlineData("/driver", ", \"reset_interfaces\": false", false)]
    [InlineData("/extra/driver", "", false)]
    public void Setting_the_driver_resets_the_interfaces_unless_told_not_to(string path, string extra, bool reset)
    {
        var update = Apply(Rule($$"""{"actions": [{"action": "set-attribute", "path": "{{path}}", "value": "ipmi"{{extra}}}]}"""));
        Assert.Equal(reset, update.ResetInterfaces);
    }

    [Fact]
    public void Set_capability_merges_into_the_capabilities()
    {
        var update = Apply(Rule("""
            {"actions": [{"action": "set-capability", "name": "vendor", "value": "{data[inventory][system_vendor][manufacturer]}"},
                         {"action": "set-capability", "name": "rack"},
                         {"action": "set-capability", "name": "boot_mode", "value": "uefi"}]}
            """));
        Assert.Equal(
            new Dictionary<string, string> { ["boot_mode"] = "uefi", ["vendor"] = "RefVendor", ["rack"] = "None" },
            update.Capabilities);
        Assert.Equal("\"boot_mode:uefi,vendor:RefVendor,rack:None\"", Patch(update)["/properties/capabilities"]);
    }

    [Theory]
    [InlineData("\"b\"", "", "[\"a\",\"b\"]")]
    [InlineData("\"a\"", ", \"unique\": true", "[\"a\"]")]
    [InlineData("\"a\"", ", \"unique\": false", "[\"a\",\"a\"]")]
    [InlineData("\"a\"", "", "[\"a\",\"a\"]")]
    [InlineData("\"{data[cpu_arch]}\"", ", \"unique\": true", "[\"a\",\"x86_64\"]")]
    [InlineData("{\"k\": \"{data[cpus]}\"}", "", "[\"a\",{\"k\":\"4\"}]")]
    public void Extend_attribute_appends_to_the_list(string value, string extra, string expected)
    {
        var update = Apply(Rule($$"""{"actions": [{"action": "extend-attribute", "path": "/extra/tags", "value": {{value}}{{extra}}}]}"""));
        Assert.Equal(expected, Patch(update)["/extra/tags"]);
    }

    [Fact]
    public void Extend_attribute_starts_a_missing_list()
    {
        var update = Apply(Rule("""
            {"actions": [{"action": "extend-attribute", "path": "extra/new_list", "value": 1},
                         {"action": "extend-attribute", "path": "/extra/new_list", "value": 2},
                         {"action": "extend-attribute", "path": "/extra/new_list", "value": 2, "unique": true}]}
            """));
        Assert.Equal("[1,2]", Patch(update)["/extra/new_list"]);
    }

    [Fact]
    public void Traits_are_added_and_removed()
    {
        var update = Apply(Rule("""
            {"actions": [{"action": "add-trait", "name": "CUSTOM_RACK_A"},
                         {"action": "remove-trait", "name": "CUSTOM_OLD"},
                         {"action": "add-trait", "name": "CUSTOM_GONE"},
                         {"action": "remove-trait", "name": "CUSTOM_GONE"},
                         {"action": "remove-trait", "name": "CUSTOM_BACK"},
                         {"action": "add-trait", "name": "CUSTOM_BACK"}]}
            """));
        Assert.Equal(["CUSTOM_RACK_A", "CUSTOM_BACK"], update.TraitsToAdd);
        Assert.Equal(["CUSTOM_OLD", "CUSTOM_GONE"], update.TraitsToRemove);
        Assert.Empty(update.NodePatch());
    }

    // ---- several rules ----

    [Fact]
    public void Actions_of_several_rules_run_in_creation_order()
    {
        var first = Rule("""{"actions": [{"action": "set-attribute", "path": "/extra/order", "value": "first"}, {"action": "extend-attribute", "path": "/extra/log", "value": "one"}]}""");
        var second = Rule("""{"actions": [{"action": "set-attribute", "path": "/extra/order", "value": "second"}, {"action": "extend-attribute", "path": "/extra/log", "value": "two"}]}""");
        var patch = Patch(Apply(first, second));
        Assert.Equal("\"second\"", patch["/extra/order"]);
        Assert.Equal("[\"one\",\"two\"]", patch["/extra/log"]);

        patch = Patch(Apply(second, first));
        Assert.Equal("\"first\"", patch["/extra/order"]);
        Assert.Equal("[\"two\",\"one\"]", patch["/extra/log"]);
    }

    [Fact]
    public void The_conditions_of_every_rule_are_checked_before_any_action_runs()
    {
        var marks = Rule("""{"actions": [{"action": "set-attribute", "path": "/extra/stage", "value": "done"}]}""");
        var seesMark = Rule("""{"conditions": [{"op": "eq", "field": "node://extra.stage", "value": "done"}], "actions": [{"action": "add-trait", "name": "CUSTOM_SAW_MARK"}]}""");
        var seesNoMark = Rule("""{"conditions": [{"op": "is-empty", "field": "node://extra.stage"}], "actions": [{"action": "add-trait", "name": "CUSTOM_SAW_NO_MARK"}]}""");
        var update = Apply(marks, seesMark, seesNoMark);
        Assert.Equal("\"done\"", Patch(update)["/extra/stage"]);
        Assert.Equal(["CUSTOM_SAW_NO_MARK"], update.TraitsToAdd);
    }

    [Fact]
    public void A_failing_rule_leaves_the_changes_of_the_rules_before_it_in_the_update()
    {
        var sets = Rule("""{"actions": [{"action": "set-attribute", "path": "/extra/before", "value": "yes"}]}""");
        var fails = Rule("""{"actions": [{"action": "fail", "message": "stop"}, {"action": "set-attribute", "path": "/extra/after", "value": "yes"}]}""");
        var context = new ProcessingContext("n", RamdiskData.FromObject(Data()));
        context.Node = new IronicNode(IronicNodeDocument());
        context.Update = new NodeUpdate(context.Node, overwriteExisting: true);
        Assert.Throws<ProcessingException>(() => RulesEngine.Apply([sets, fails], context));
        var patch = Patch(context.Update);
        Assert.Equal("\"yes\"", patch["/extra/before"]);
        Assert.False(patch.ContainsKey("/extra/after"));
    }

    [Fact]
    public void A_rule_read_back_from_storage_behaves_as_created()
    {
        var created = Hit("""{"op": "in-net", "field": "inventory.bmc_address", "value": "192.0.2.0/24", "invert": true}""");
        var stored = IntrospectionRule.FromDocument(JsonNode.Parse(created.Document.ToJsonString())!.AsObject());
        Assert.Equal(created.Document.ToJsonString(), stored.Document.ToJsonString());
        Assert.False(Applied(Apply([stored], null)));
    }
}
