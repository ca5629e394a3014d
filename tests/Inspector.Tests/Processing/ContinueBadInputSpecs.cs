using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Inspector.Tests.Infrastructure;

namespace Inspector.Tests.Processing;

/// <summary>An inspector whose request bodies may be up to 12 MiB.</summary>
public sealed class BadInputInspector() : ConfiguredInspector(new Dictionary<string, string>
{
    ["processing"] = $"max_request_body_size = {ContinueBadInputSpecs.BodyLimit}",
});

/// <summary>
/// Whatever a broken or hostile ramdisk posts to <c>/v1/continue</c>, the answer is a JSON error
/// with a 4xx status that says what was wrong, never a 5xx, and the service goes on working.
/// </summary>
public sealed class ContinueBadInputSpecs(BadInputInspector shared) : IClassFixture<BadInputInspector>
{
    public const int BodyLimit = 12 * 1024 * 1024;

    private const int TenMiB = 10 * 1024 * 1024;

    private InspectorHost Host => shared.Host;

    /// <summary>Bodies that are not a JSON object at all, with a part of the expected message.</summary>
    public static TheoryData<string, string> NotAnObject => new()
    {
        { """{"inventory": {"interfaces": [{"name": "eth0", "mac_address": "52:54:00:""", "Invalid JSON in the request body" },
        { """{"cpus": 4,}""", "Invalid JSON in the request body" },
        { "cpus=4&memory_mb=8192", "Invalid JSON in the request body" },
        { "<xml>data</xml>", "Invalid JSON in the request body" },
        { """[{"inventory": {}}]""", "expected a JSON object, got a list" },
        { "[]", "expected a JSON object, got a list" },
        { "\"inventory\"", "expected a JSON object, got the string" },
        { "null", "expected a JSON object, got null" },
        { "42", "expected a JSON object, got 42" },
        { "true", "expected a JSON object, got true" },
        { """{"a": 1} {"b": 2}""", "Invalid JSON in the request body" },
    };

    /// <summary>Every field the parser checks, given a value of the wrong type: the case name, and the path the message names.</summary>
    private static readonly Dictionary<string, (Action<JsonObject> Break, string Path, bool Flat)> WrongTypes = new()
    {
        ["inventory is a list"] = (d => d["inventory"] = new JsonArray(), "inventory must be an object", false),
        ["inventory is a string"] = (d => d["inventory"] = "x", "inventory must be an object", false),
        ["inventory is null"] = (d => d["inventory"] = null, "inventory must be an object", false),
        ["inventory.interfaces is an object"] = (d => d["inventory"]!["interfaces"] = new JsonObject(), "inventory.interfaces must be a list", false),
        ["an interface is a number"] = (d => d["inventory"]!["interfaces"]!.AsArray().Add(7), "inventory.interfaces[4] must be an object", false),
        ["an interface's mac_address is a number"] = (d => d["inventory"]!["interfaces"]![0]!["mac_address"] = 525400123456, "inventory.interfaces[0].mac_address must be a string", false),
        ["an interface's name is a list"] = (d => d["inventory"]!["interfaces"]![1]!["name"] = new JsonArray("eth1"), "inventory.interfaces[1].name must be a string", false),
        ["an interface's ipv4_address is an object"] = (d => d["inventory"]!["interfaces"]![0]!["ipv4_address"] = new JsonObject(), "inventory.interfaces[0].ipv4_address must be a string", false),
        ["an interface's ipv6_address is a boolean"] = (d => d["inventory"]!["interfaces"]![0]!["ipv6_address"] = true, "inventory.interfaces[0].ipv6_address must be a string", false),
        ["an interface's client_id is a number"] = (d => d["inventory"]!["interfaces"]![0]!["client_id"] = 1, "inventory.interfaces[0].client_id must be a string", false),
        ["an interface's lldp is a string"] = (d => d["inventory"]!["interfaces"]![0]!["lldp"] = "0104", "inventory.interfaces[0].lldp must be a list", false),
        ["cpu is a list"] = (d => d["inventory"]!["cpu"] = new JsonArray(), "inventory.cpu must be an object", false),
        ["cpu.count is the string x"] = (d => d["inventory"]!["cpu"]!["count"] = "x", "inventory.cpu.count must be an integer", false),
        ["cpu.count is a fraction"] = (d => d["inventory"]!["cpu"]!["count"] = 1.5, "inventory.cpu.count must be an integer", false),
        ["cpu.count is a boolean"] = (d => d["inventory"]!["cpu"]!["count"] = true, "inventory.cpu.count must be an integer", false),
        ["cpu.count is too large"] = (d => d["inventory"]!["cpu"]!["count"] = JsonNode.Parse("123456789012345678901234567890"), "inventory.cpu.count must be an integer", false),
        ["cpu.architecture is a number"] = (d => d["inventory"]!["cpu"]!["architecture"] = 64, "inventory.cpu.architecture must be a string", false),
        ["cpu.flags is a string"] = (d => d["inventory"]!["cpu"]!["flags"] = "vmx aes", "inventory.cpu.flags must be a list", false),
        ["memory is a number"] = (d => d["inventory"]!["memory"] = 8192, "inventory.memory must be an object", false),
        ["memory.physical_mb is a list"] = (d => d["inventory"]!["memory"]!["physical_mb"] = new JsonArray(8192), "inventory.memory.physical_mb must be an integer", false),
        ["disks is an object"] = (d => d["inventory"]!["disks"] = new JsonObject(), "inventory.disks must be a list", false),
        ["a disk is a string"] = (d => d["inventory"]!["disks"]![1] = "/dev/sdb", "inventory.disks[1] must be an object", false),
        ["disks[0].size is an object"] = (d => d["inventory"]!["disks"]![0]!["size"] = new JsonObject(), "inventory.disks[0].size must be an integer", false),
        ["disks[0].name is a number"] = (d => d["inventory"]!["disks"]![0]!["name"] = 0, "inventory.disks[0].name must be a string", false),
        ["boot is a string"] = (d => d["inventory"]!["boot"] = "bios", "inventory.boot must be an object", false),
        ["boot.current_boot_mode is a boolean"] = (d => d["inventory"]!["boot"]!["current_boot_mode"] = false, "inventory.boot.current_boot_mode must be a string", false),
        ["boot.pxe_interface is a number"] = (d => d["inventory"]!["boot"]!["pxe_interface"] = 1, "inventory.boot.pxe_interface must be a string", false),
        ["bmc_address is a number"] = (d => d["inventory"]!["bmc_address"] = 3221225994, "inventory.bmc_address must be a string", false),
        ["bmc_v6address is a list"] = (d => d["inventory"]!["bmc_v6address"] = new JsonArray("::1"), "inventory.bmc_v6address must be a string", false),
        ["root_disk is a string"] = (d => d["root_disk"] = "/dev/sda", "root_disk must be an object", false),
        ["root_disk.size is a word"] = (d => d["root_disk"]!["size"] = "big", "root_disk.size must be an integer", false),
        ["error is a number"] = (d => d["error"] = 1, "error must be a string", false),
        ["logs is an object"] = (d => d["logs"] = new JsonObject { ["dmesg"] = "..." }, "logs must be a string", false),
        ["boot_interface is a number"] = (d => d["boot_interface"] = 1, "boot_interface must be a string", false),
        ["ipmi_address is a list"] = (d => d["ipmi_address"] = new JsonArray("192.0.2.1"), "ipmi_address must be a string", false),
        ["flat cpus is four"] = (d => d["cpus"] = "four", "cpus must be an integer", true),
        ["flat cpu_arch is a number"] = (d => d["cpu_arch"] = 64, "cpu_arch must be a string", true),
        ["flat memory_mb is a fraction"] = (d => d["memory_mb"] = 1.5, "memory_mb must be an integer", true),
        ["flat local_gb is an object"] = (d => d["local_gb"] = new JsonObject(), "local_gb must be an integer", true),
        ["flat interfaces is a list"] = (d => d["interfaces"] = new JsonArray(new JsonObject { ["mac"] = "52:54:00:00:00:01" }), "interfaces must be an object of interfaces by name", true),
        ["flat interface is a string"] = (d => d["interfaces"]!["eth0"] = "52:54:00:00:00:01", "interfaces.eth0 must be an object", true),
        ["flat interface mac is a number"] = (d => d["interfaces"]!["eth0"]!["mac"] = 5, "interfaces.eth0.mac must be a string", true),
        ["flat interface ip is an object"] = (d => d["interfaces"]!["eth0"]!["ip"] = new JsonObject(), "interfaces.eth0.ip must be a string", true),
        ["flat block_devices is a list"] = (d => d["block_devices"] = new JsonArray("QM00001"), "block_devices must be an object", true),
        ["flat block_devices.serials is a string"] = (d => d["block_devices"] = new JsonObject { ["serials"] = "QM00001" }, "block_devices.serials must be a list", true),
        ["flat ipmi_address is a number"] = (d => d["ipmi_address"] = 1, "ipmi_address must be a string", true),
        ["flat error is a boolean"] = (d => d["error"] = true, "error must be a string", true),
        ["flat logs is a list"] = (d => d["logs"] = new JsonArray(), "logs must be a string", true),
        ["flat boot_interface is an object"] = (d => d["boot_interface"] = new JsonObject(), "boot_interface must be a string", true),
    };

    public static TheoryData<string> WrongTypeCases => [.. WrongTypes.Keys];

    private static string WrongTypeBody(string name, string mac, string bmc)
    {
        var (breakIt, _, flat) = WrongTypes[name];
        var payload = flat ? RamdiskPayloads.Flat(mac, bmc) : RamdiskPayloads.Ipa(mac, bmc);
        breakIt(payload);
        return payload.ToJsonString();
    }

    private static string Nested(int depth) =>
        """{"inventory": {"interfaces": []}, "extra": """ + new string('[', depth) + new string(']', depth) + "}";

    private static byte[] Garbage(int size)
    {
        var bytes = new byte[size];
        new Random(42).NextBytes(bytes);
        return bytes;
    }

    private Task<HttpResponseMessage> PostBytesAsync(byte[] body) =>
        Host.Client.PostAsync("/v1/continue", new ByteArrayContent(body));

    /// <summary>A 4xx JSON error with the version headers; returns its message.</summary>
    private static async Task<string> AssertClientErrorAsync(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.BadRequest)
    {
        Assert.True((int)response.StatusCode < 500, $"A client error must not be a server error: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.AssertErrorAsync(status);
    }

    [Theory]
    [MemberData(nameof(NotAnObject))]
    public async Task A_body_that_is_not_a_json_object_is_400_saying_so(string body, string expected)
    {
        var message = await AssertClientErrorAsync(await Host.PostContinueAsync(body));
        Assert.Contains(expected, message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \r\n\t")]
    public async Task An_empty_body_is_400(string body)
    {
        var message = await AssertClientErrorAsync(await Host.PostContinueAsync(body));
        Assert.Equal("Invalid ramdisk data: the request body is empty", message);
    }

    [Fact]
    public async Task A_body_that_is_not_utf8_is_400()
    {
        var message = await AssertClientErrorAsync(await PostBytesAsync([0xff, 0xfe, 0x7b, 0x00, 0xc3, 0x28, 0x80, 0x7d]));
        Assert.Contains("Invalid", message);
    }

    [Fact]
    public async Task Invalid_utf8_inside_a_string_is_400_and_the_node_keeps_waiting()
    {
        var mac = InspectorHost.RandomMac();
        var bmc = ProcessingProbes.RandomBmc();
        var node = await Host.StartedNodeAsync(mac, bmc: bmc);
        var payload = RamdiskPayloads.Ipa(mac, bmc);
        payload["inventory"]!["hostname"] = "host-XX";
        var bytes = Encoding.UTF8.GetBytes(payload.ToJsonString());
        var at = bytes.AsSpan().IndexOf("host-XX"u8) + 5;
        bytes[at] = 0xC3; // a lead byte followed by a byte that cannot continue it
        bytes[at + 1] = 0x28;

        var message = await AssertClientErrorAsync(await PostBytesAsync(bytes));

        Assert.StartsWith("Invalid JSON in the request body", message);
        Assert.Equal("waiting", (string?)(await Host.StatusAsync(node))["state"]);
        Assert.Empty(Host.NodePatches(node));
    }

    /// <summary>A \u escape of half a surrogate pair, in a value and in a key: JSON's grammar allows it, no character is it.</summary>
    [Theory]
    [InlineData("host-\\uD83D", "hostname")]
    [InlineData("host-\\uDE42", "hostname")]
    [InlineData("\\uD83Dx", "the key")]
    public async Task A_lone_surrogate_escape_is_400_and_the_node_keeps_waiting(string escaped, string where)
    {
        var mac = InspectorHost.RandomMac();
        var bmc = ProcessingProbes.RandomBmc();
        var node = await Host.StartedNodeAsync(mac, bmc: bmc);
        var payload = RamdiskPayloads.Ipa(mac, bmc);
        payload["inventory"]!["hostname"] = "host-XX";
        var text = payload.ToJsonString();
        var body = where == "hostname" ? text.Replace("\"host-XX\"", $"\"{escaped}\"") : text.Replace("\"hostname\"", $"\"{escaped}\"");

        var message = await AssertClientErrorAsync(await Host.PostContinueAsync(body));

        Assert.Equal("Invalid JSON in the request body: a \\u escape in a string is half of a surrogate pair, which is not a character", message);
        Assert.Equal("waiting", (string?)(await Host.StatusAsync(node))["state"]);
        Assert.Empty(Host.NodePatches(node));
    }

    [Theory]
    [MemberData(nameof(WrongTypeCases))]
    public async Task A_field_of_the_wrong_type_is_400_naming_the_field(string field)
    {
        var message = await AssertClientErrorAsync(
            await Host.PostContinueAsync(WrongTypeBody(field, InspectorHost.RandomMac(), ProcessingProbes.RandomBmc())));
        Assert.StartsWith("Invalid ramdisk data: ", message);
        Assert.Contains(WrongTypes[field].Path, message);
    }

    [Fact]
    public async Task Wrong_types_leave_a_node_on_introspection_waiting_for_good_data()
    {
        var mac = InspectorHost.RandomMac();
        var bmc = ProcessingProbes.RandomBmc();
        var node = await Host.StartedNodeAsync(mac, bmc: bmc);

        foreach (var field in new[] { "cpu.count is the string x", "memory.physical_mb is a list", "disks[0].size is an object", "error is a number" })
        {
            await AssertClientErrorAsync(await Host.PostContinueAsync(WrongTypeBody(field, mac, bmc)));
        }

        Assert.Equal("waiting", (string?)(await Host.StatusAsync(node))["state"]);
        Assert.Empty(Host.NodePatches(node));

        var body = await (await Host.PostContinueAsync(RamdiskPayloads.Ipa(mac, bmc))).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(node, (string?)body["uuid"]);
        Assert.Equal("finished", (string?)(await Host.WaitForStateAsync(node, "finished"))["state"]);
    }

    [Theory]
    [InlineData(65)]
    [InlineData(100)]
    [InlineData(100_000)]
    public async Task Nesting_deeper_than_64_levels_is_400(int depth)
    {
        var message = await AssertClientErrorAsync(await Host.PostContinueAsync(Nested(depth)));
        Assert.StartsWith("Invalid JSON in the request body", message);
    }

    [Fact]
    public async Task Nesting_within_the_limit_is_accepted_as_an_unknown_key()
    {
        // 60 levels of lists inside a top-level key: parsed, then the lookup finds no node.
        var message = await AssertClientErrorAsync(await Host.PostContinueAsync(Nested(60)), HttpStatusCode.BadRequest);
        Assert.Contains("no lookup attributes", message);
    }

    [Fact]
    public async Task A_10_mib_garbage_body_is_400()
    {
        var message = await AssertClientErrorAsync(await PostBytesAsync(Garbage(TenMiB)));
        Assert.StartsWith("Invalid JSON in the request body", message);
    }

    [Fact]
    public async Task A_large_json_list_is_400()
    {
        const int size = 2 * 1024 * 1024;
        var body = new StringBuilder(size + 2).Append('[');
        while (body.Length < size)
        {
            body.Append("0,");
        }

        body.Append("0]");
        var message = await AssertClientErrorAsync(await Host.PostContinueAsync(body.ToString()));
        Assert.Equal("Invalid ramdisk data: expected a JSON object, got a list", message);
    }

    [Fact]
    public async Task Ten_mib_of_valid_data_for_an_unknown_machine_is_404()
    {
        var payload = RamdiskPayloads.Ipa(InspectorHost.RandomMac(), ProcessingProbes.RandomBmc());
        payload["padding"] = new string('x', TenMiB);
        var message = await AssertClientErrorAsync(await Host.PostContinueAsync(payload), HttpStatusCode.NotFound);
        Assert.StartsWith("Could not find a node for attributes", message);
    }

    [Fact]
    public async Task Data_with_hundreds_of_nics_is_looked_up_without_failing()
    {
        // Real machines (and broken ramdisks) can report many NICs: the lookup must cope with
        // every one of them as an attribute.
        var mac = InspectorHost.RandomMac();
        var bmc = ProcessingProbes.RandomBmc();
        var node = await Host.StartedNodeAsync(mac, manageBoot: false, bmc: bmc);
        var payload = RamdiskPayloads.Ipa(mac, bmc);
        var interfaces = payload["inventory"]!["interfaces"]!.AsArray();
        for (var i = 0; i < 600; i++)
        {
            interfaces.Add(RamdiskPayloads.Nic($"vf{i}", InspectorHost.RandomMac(), null));
        }

        var unknown = RamdiskPayloads.Ipa(InspectorHost.RandomMac(), ProcessingProbes.RandomBmc());
        foreach (var nic in interfaces.Skip(4))
        {
            var copy = nic!.DeepClone().AsObject();
            copy["mac_address"] = InspectorHost.RandomMac();
            unknown["inventory"]!["interfaces"]!.AsArray().Add(copy);
        }

        await AssertClientErrorAsync(await Host.PostContinueAsync(unknown), HttpStatusCode.NotFound);
        var body = await (await Host.PostContinueAsync(payload)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(node, (string?)body["uuid"]);
    }

    [Theory]
    [InlineData("zz:zz:zz:zz:zz:zz", null)]
    [InlineData("52:54:00:12:34", null)]
    [InlineData("52-54-00-12-34-56", "0.0.0.0")]
    [InlineData("", "")]
    [InlineData("52:54:00:12:34:56:78", "not-an-address")]
    public async Task Data_without_a_valid_mac_or_a_bmc_address_is_400(string mac, string? bmc)
    {
        var payload = RamdiskPayloads.Ipa(mac, bmc);
        foreach (var nic in payload["inventory"]!["interfaces"]!.AsArray())
        {
            nic!["mac_address"] = mac;
        }

        payload["inventory"]!["bmc_v6address"] = null;
        var message = await AssertClientErrorAsync(await Host.PostContinueAsync(payload));
        Assert.Equal("The ramdisk data has no lookup attributes: no valid MAC address and no BMC address", message);
    }

    /// <summary>
    /// Posts a body over the limit announcing its length and waiting for "100 Continue", as curl
    /// does for large bodies: the server answers 413 before the body is sent. (A client that sends
    /// a too-large body regardless may see the connection closed under it.)
    /// </summary>
    private Task<HttpResponseMessage> PostTooLargeAsync(int size)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/continue") { Content = new ByteArrayContent(new byte[size]) };
        request.Headers.ExpectContinue = true;
        return Host.Client.SendAsync(request);
    }

    [Fact]
    public async Task A_body_over_max_request_body_size_is_413_with_a_json_error()
    {
        var response = await PostTooLargeAsync(BodyLimit + 1024);
        var message = await response.AssertErrorAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("too large", message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_chunked_body_over_max_request_body_size_is_413_with_a_json_error()
    {
        var response = await Host.Client.PostAsync("/v1/continue", new UnknownLengthContent(new byte[BodyLimit + 1024]));
        var message = await response.AssertErrorAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("too large", message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task After_a_barrage_of_bad_input_the_service_still_processes_data()
    {
        var bodies = NotAnObject.Select(row => (string)row.Data.Item1)
            .Concat(WrongTypes.Keys.Select(k => WrongTypeBody(k, InspectorHost.RandomMac(), ProcessingProbes.RandomBmc())))
            .Concat([Nested(1000), "", "null"])
            .ToList();
        var responses = await Task.WhenAll(bodies.Select(b => Host.PostContinueAsync(b)));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await PostTooLargeAsync(BodyLimit + 1)).StatusCode);

        var root = await Host.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, root.StatusCode);
        var (node, _, _) = await Host.FinishedNodeAsync();
        Assert.Single(Host.NodePatches(node));
    }

    /// <summary>A body sent with chunked transfer encoding: no Content-Length for the server to check up front.</summary>
    private sealed class UnknownLengthContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) =>
            stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }
}
