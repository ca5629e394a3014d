using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Inspector.Tests.Infrastructure;

namespace Inspector.Tests.Processing;

/// <summary>An inspector with the reference's default <c>store_data = none</c>.</summary>
public sealed class NoDataInspector() : ConfiguredInspector(new Dictionary<string, string> { ["processing"] = "store_data = none" });

/// <summary>Reading stored introspection data back, and reapplying processing on it.</summary>
public sealed class ReapplySpecs(ProcessingInspector stored, NoDataInspector notStored)
    : IClassFixture<ProcessingInspector>, IClassFixture<NoDataInspector>
{
    private const string NotConfigured =
        "Inspector is not configured to store data. Set the [processing]store_data configuration option to change this.";

    private InspectorHost Host => stored.Host;

    private Task<HttpResponseMessage> ReapplyAsync(string node, string? body = null, InspectorHost? host = null) =>
        (host ?? Host).Client.PostAsync($"/v1/introspection/{node}/data/unprocessed",
            body is null ? null : new ByteArrayContent(Encoding.UTF8.GetBytes(body)));

    private static DateTime Timestamp(JsonObject status, string name) =>
        DateTime.Parse((string)status[name]!, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Without_data_storage_both_data_endpoints_are_404_saying_so()
    {
        var host = notStored.Host;
        var (node, _, _) = await host.FinishedNodeAsync();

        Assert.Equal(NotConfigured, await (await host.Client.GetAsync($"/v1/introspection/{node}/data")).AssertErrorAsync(HttpStatusCode.NotFound));
        Assert.Equal(NotConfigured,
            await (await host.Client.GetAsync($"/v1/introspection/{node}/data/unprocessed")).AssertErrorAsync(HttpStatusCode.NotFound));
    }

    [Fact]
    public async Task Without_data_storage_reapply_is_400_saying_so()
    {
        var host = notStored.Host;
        var (node, _, _) = await host.FinishedNodeAsync();

        Assert.Equal(NotConfigured, await (await ReapplyAsync(node, host: host)).AssertErrorAsync(HttpStatusCode.BadRequest));
        Assert.Equal(NotConfigured, await (await ReapplyAsync(node, "{}", host)).AssertErrorAsync(HttpStatusCode.BadRequest));
        Assert.Equal("finished", (string?)(await host.StatusAsync(node))["state"]);
    }

    [Fact]
    public async Task Data_of_a_node_with_nothing_stored_is_404_naming_the_node_and_the_kind()
    {
        var unknown = Guid.NewGuid().ToString();
        Assert.Equal($"Introspection data not found for node {unknown}, processed=True",
            await (await Host.Client.GetAsync($"/v1/introspection/{unknown}/data")).AssertErrorAsync(HttpStatusCode.NotFound));
        Assert.Equal($"Introspection data not found for node {unknown}, processed=False",
            await (await Host.Client.GetAsync($"/v1/introspection/{unknown}/data/unprocessed")).AssertErrorAsync(HttpStatusCode.NotFound));

        var waiting = await Host.StartedNodeAsync(InspectorHost.RandomMac(), bmc: ProcessingProbes.RandomBmc());
        Assert.Equal($"Introspection data not found for node {waiting}, processed=True",
            await (await Host.Client.GetAsync($"/v1/introspection/{waiting}/data")).AssertErrorAsync(HttpStatusCode.NotFound));
    }

    [Fact]
    public async Task A_new_introspection_deletes_the_data_of_the_previous_one()
    {
        var (node, _, _) = await Host.FinishedNodeAsync();
        await (await Host.StartIntrospectionAsync(node)).AssertAcceptedAsync();
        await Host.WaitForStateAsync(node, "waiting");

        Assert.Equal($"Introspection data not found for node {node}, processed=True",
            await (await Host.Client.GetAsync($"/v1/introspection/{node}/data")).AssertErrorAsync(HttpStatusCode.NotFound));
        Assert.Equal($"Introspection data not found for node {node}, processed=False",
            await (await Host.Client.GetAsync($"/v1/introspection/{node}/data/unprocessed")).AssertErrorAsync(HttpStatusCode.NotFound));
    }

    [Fact]
    public async Task Reapply_of_a_node_never_introspected_is_404()
    {
        var neverStarted = Host.AddNode(bmc: ProcessingProbes.RandomBmc());
        Assert.Equal($"Could not find node {neverStarted} in cache", await (await ReapplyAsync(neverStarted)).AssertErrorAsync(HttpStatusCode.NotFound));

        var unknown = Guid.NewGuid().ToString();
        Assert.Equal($"Could not find node {unknown} in cache", await (await ReapplyAsync(unknown, "{}")).AssertErrorAsync(HttpStatusCode.NotFound));
    }

    [Fact]
    public async Task Reapply_without_a_body_reprocesses_the_stored_data_and_moves_started_at()
    {
        var (node, _, _) = await Host.FinishedNodeAsync();
        var before = await Host.StatusAsync(node);
        var unprocessed = await Host.UnprocessedTextAsync(node);
        Host.IronicNode(node)["properties"]!["cpus"] = "1";
        await Task.Delay(10);

        Host.Ironic.Latency = TimeSpan.FromMilliseconds(150);
        try
        {
            await (await ReapplyAsync(node)).AssertAcceptedAsync();
            var during = await Host.StatusAsync(node);
            Assert.Equal("reapplying", (string?)during["state"]);
            Assert.True((bool)during["finished"]!);
            Assert.Equal((string?)before["finished_at"], (string?)during["finished_at"]);
        }
        finally
        {
            Host.Ironic.Latency = TimeSpan.Zero;
        }

        var after = await Host.WaitForStateAsync(node, "finished");
        Assert.Null((string?)after["error"]);
        Assert.True(Timestamp(after, "started_at") > Timestamp(before, "started_at"));
        Assert.True(Timestamp(after, "finished_at") > Timestamp(before, "finished_at"));
        Assert.True(Timestamp(after, "finished_at") >= Timestamp(after, "started_at"));
        Assert.Equal("4", Host.Property(node, "cpus"));
        Assert.Equal(2, Host.NodePatches(node).Count);
        Assert.Equal(unprocessed, await Host.UnprocessedTextAsync(node));
    }

    [Fact]
    public async Task Reapply_never_powers_the_node_off()
    {
        var (node, _, _) = await Host.FinishedNodeAsync(manageBoot: true);
        var powerCalls = Host.PowerCalls(node);
        Assert.Equal(2, powerCalls); // the reboot into the ramdisk and the power off after processing

        await (await ReapplyAsync(node)).AssertAcceptedAsync();
        await Host.WaitForStateAsync(node, "finished");
        Assert.Equal(powerCalls, Host.PowerCalls(node));
        Assert.Equal(2, Host.NodePatches(node).Count);
        Assert.Equal("power off", (string?)Host.IronicNode(node)["power_state"]);
    }

    [Fact]
    public async Task Reapply_twice_processes_twice()
    {
        var (node, _, _) = await Host.FinishedNodeAsync();
        var first = await Host.StatusAsync(node);

        await (await ReapplyAsync(node)).AssertAcceptedAsync();
        var second = await Host.WaitForStateAsync(node, "finished");
        await Task.Delay(5);
        await (await ReapplyAsync(node)).AssertAcceptedAsync();
        var third = await Host.WaitForStateAsync(node, "finished");

        Assert.True(Timestamp(second, "started_at") > Timestamp(first, "started_at"));
        Assert.True(Timestamp(third, "started_at") > Timestamp(second, "started_at"));
        Assert.Equal(3, Host.NodePatches(node).Count);
        Assert.Null((string?)third["error"]);
    }

    [Fact]
    public async Task Reapply_with_a_body_replaces_the_unprocessed_data_and_processes_it()
    {
        var (node, mac, bmc) = await Host.FinishedNodeAsync();
        var replacement = RamdiskPayloads.Ipa(mac, bmc);
        replacement["inventory"]!["cpu"]!["count"] = 16;
        replacement["inventory"]!["memory"]!["physical_mb"] = 65536;
        replacement["note"] = "replaced by the operator";
        var body = replacement.ToJsonString();

        await (await ReapplyAsync(node, body)).AssertAcceptedAsync();
        await Host.WaitForStateAsync(node, "finished");

        Assert.Equal(body, await Host.UnprocessedTextAsync(node));
        Assert.Equal("16", Host.Property(node, "cpus"));
        Assert.Equal("65536", Host.Property(node, "memory_mb"));
        var processed = await Host.ProcessedDataAsync(node);
        Assert.Equal(16, (long)processed["cpus"]!);
        Assert.Equal("replaced by the operator", (string?)processed["note"]);
        Assert.NotNull(processed["inventory"]);
    }

    [Fact]
    public async Task Reapply_with_a_flat_body_processes_it_like_the_ramdisk_would()
    {
        var (node, mac, bmc) = await Host.FinishedNodeAsync();
        var flat = RamdiskPayloads.Flat(mac, bmc);
        flat["cpus"] = 12;

        await (await ReapplyAsync(node, flat.ToJsonString())).AssertAcceptedAsync();
        await Host.WaitForStateAsync(node, "finished");
        Assert.Equal("12", Host.Property(node, "cpus"));
        Assert.Equal("20", Host.Property(node, "local_gb"));
        Assert.Equal(12, (long)(await Host.ProcessedDataAsync(node))["inventory"]!["cpu"]!["count"]!);
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { "[1, 2]", "Invalid introspection data: expected a JSON object" },
        { "\"data\"", "Invalid introspection data: expected a JSON object" },
        { "42", "Invalid introspection data: expected a JSON object" },
        { "null", "Invalid introspection data: expected a JSON object" },
        { """{"inventory": {"cpu": """, "Invalid JSON in the request body" },
        { "not json at all", "Invalid JSON in the request body" },
        { """{"inventory": {"hostname": "\uDE42"}}""", "Invalid JSON in the request body: a \\u escape in a string is half of a surrogate pair" },
        { """{"inventory": []}""", "Invalid ramdisk data: inventory must be an object" },
        { """{"inventory": {"cpu": {"count": "x"}}}""", "Invalid ramdisk data: inventory.cpu.count must be an integer" },
        { """{"cpus": "four"}""", "Invalid ramdisk data: cpus must be an integer" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Reapply_with_a_body_that_is_not_usable_data_is_400_and_changes_nothing(string body, string expected)
    {
        var (node, _, _) = await Host.FinishedNodeAsync();
        var unprocessed = await Host.UnprocessedTextAsync(node);
        var before = await Host.StatusAsync(node);

        var message = await (await ReapplyAsync(node, body)).AssertErrorAsync(HttpStatusCode.BadRequest);
        Assert.StartsWith(expected, message);

        Assert.Equal(unprocessed, await Host.UnprocessedTextAsync(node));
        var after = await Host.StatusAsync(node);
        Assert.Equal(before.ToJsonString(), after.ToJsonString());
        Assert.Single(Host.NodePatches(node));
    }

    [Fact]
    public async Task Reapply_while_a_reapply_runs_is_409()
    {
        var (node, _, _) = await Host.FinishedNodeAsync();
        Host.Ironic.Latency = TimeSpan.FromMilliseconds(300);
        try
        {
            await (await ReapplyAsync(node)).AssertAcceptedAsync();
            Assert.Equal("Node is locked, please, retry later", await (await ReapplyAsync(node)).AssertErrorAsync(HttpStatusCode.Conflict));
            Assert.Equal("Node is locked, please, retry later", await (await ReapplyAsync(node, "{}")).AssertErrorAsync(HttpStatusCode.Conflict));
        }
        finally
        {
            Host.Ironic.Latency = TimeSpan.Zero;
        }

        await Host.WaitForStateAsync(node, "finished");
        Assert.Equal(2, Host.NodePatches(node).Count);
    }

    [Fact]
    public async Task Reapply_while_ironic_answers_409_is_409_until_the_first_reapply_is_done()
    {
        var (node, _, _) = await Host.FinishedNodeAsync();
        Host.Ironic.FailNext($"/v1/nodes/{node}", 409, 2);
        await (await ReapplyAsync(node)).AssertAcceptedAsync();
        await (await ReapplyAsync(node)).AssertErrorAsync(HttpStatusCode.Conflict);
        var status = await Host.WaitForStateAsync(node, "finished");
        Assert.Null((string?)status["error"]);
    }

    [Fact]
    public async Task Reapply_of_a_waiting_node_is_400_with_the_transition_message()
    {
        var node = await Host.StartedNodeAsync(InspectorHost.RandomMac(), bmc: ProcessingProbes.RandomBmc());
        Assert.Equal("Can not transition from state 'waiting' on event 'reapply' (no defined transition)",
            await (await ReapplyAsync(node, RamdiskPayloads.Ipa(InspectorHost.RandomMac()).ToJsonString())).AssertErrorAsync(HttpStatusCode.BadRequest));
        Assert.Equal("waiting", (string?)(await Host.StatusAsync(node))["state"]);
        await (await Host.Client.GetAsync($"/v1/introspection/{node}/data/unprocessed")).AssertErrorAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Reapply_on_data_with_an_error_ends_in_error_with_the_pre_processing_failures()
    {
        var (node, mac, bmc) = await Host.FinishedNodeAsync();
        var failing = RamdiskPayloads.Ipa(mac, bmc);
        failing["error"] = "the disk controller caught fire";

        await (await ReapplyAsync(node, failing.ToJsonString())).AssertAcceptedAsync();
        var status = await Host.WaitForStateAsync(node, "error");
        var error = (string)status["error"]!;
        Assert.StartsWith("Pre-processing failures detected reapplying introspection on stored data:\n", error);
        Assert.Contains("Ramdisk reported error: the disk controller caught fire", error);
        Assert.True((bool)status["finished"]!);
        Assert.Single(Host.NodePatches(node));
    }

    [Fact]
    public async Task A_node_in_error_can_be_repaired_by_reapplying_corrected_data()
    {
        var (node, mac, bmc) = await Host.FinishedNodeAsync();
        var failing = RamdiskPayloads.Ipa(mac, bmc);
        failing["error"] = "transient failure";
        await (await ReapplyAsync(node, failing.ToJsonString())).AssertAcceptedAsync();
        await Host.WaitForStateAsync(node, "error");

        var corrected = RamdiskPayloads.Ipa(mac, bmc);
        corrected["inventory"]!["cpu"]!["count"] = 32;
        await (await ReapplyAsync(node, corrected.ToJsonString())).AssertAcceptedAsync();
        var status = await Host.WaitForStateAsync(node, "finished");
        Assert.Null((string?)status["error"]);
        Assert.Equal("32", Host.Property(node, "cpus"));
    }

    [Fact]
    public async Task Reapply_of_a_node_whose_ramdisk_failed_has_no_data_to_reapply()
    {
        var mac = InspectorHost.RandomMac();
        var bmc = ProcessingProbes.RandomBmc();
        var node = await Host.StartedNodeAsync(mac, bmc: bmc);
        var failing = RamdiskPayloads.Ipa(mac, bmc);
        failing["error"] = "no memory";
        await (await Host.PostContinueAsync(failing)).AssertErrorAsync(HttpStatusCode.BadRequest);
        await Host.WaitForStateAsync(node, "error");

        var message = await (await ReapplyAsync(node)).AssertErrorAsync(HttpStatusCode.BadRequest);
        Assert.Contains(node, message);
        Assert.Equal("error", (string?)(await Host.StatusAsync(node))["state"]);

        await (await ReapplyAsync(node, RamdiskPayloads.Ipa(mac, bmc).ToJsonString())).AssertAcceptedAsync();
        await Host.WaitForStateAsync(node, "finished");
    }

    [Fact]
    public async Task Reapply_when_the_node_is_gone_from_ironic_ends_in_error()
    {
        var (node, _, _) = await Host.FinishedNodeAsync();
        Host.Ironic.RemoveNode(node);
        await (await ReapplyAsync(node)).AssertAcceptedAsync();
        var status = await Host.WaitForStateAsync(node, "error");
        Assert.Equal($"Node {node} was not found in Ironic", (string?)status["error"]);
    }
}
