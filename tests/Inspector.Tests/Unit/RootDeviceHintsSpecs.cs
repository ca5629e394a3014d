using System.Text.Json.Nodes;
using Inspector.Grains.Processing;

namespace Inspector.Tests.Unit;

public sealed class RootDeviceHintsSpecs
{
    private const long GiB = 1L << 30;

    // Three disks as ironic-python-agent reports them: 60 GiB, 120 GiB and 10 GiB.
    private static List<JsonObject> Disks() =>
    [
        Disk("""
            {"name": "/dev/sda", "model": "OK Model", "size": 64424509440, "rotational": true, "wwn": "0x5000c500a1b2c3d4",
             "serial": "fakeserial", "vendor": "ATA", "wwn_with_extension": "0x5000c500a1b2c3d4beef",
             "wwn_vendor_extension": "0xbeef", "hctl": "0:0:0:0", "by_path": "/dev/disk/by-path/pci-0000:00:1f.2-ata-1"}
            """),
        Disk("""
            {"name": "/dev/sdb", "model": "Big Model", "size": 128849018880, "rotational": "yes", "wwn": null,
             "serial": "veryfakeserial", "vendor": "HGST", "wwn_with_extension": null, "wwn_vendor_extension": null,
             "hctl": "1:0:0:0", "by_path": "/dev/disk/by-path/pci-0000:00:1f.2-ata-2"}
            """),
        Disk("""
            {"name": "/dev/sdc", "model": "small model", "size": 10737418240, "rotational": false, "wwn": "0x5000c500deadbeef",
             "serial": "veryveryfakeserial", "vendor": "ATA", "wwn_with_extension": "0x5000c500deadbeef0001",
             "wwn_vendor_extension": "0x0001", "hctl": "2:0:0:0", "by_path": "/dev/disk/by-path/pci-0000:00:1f.2-ata-3"}
            """),
    ];

    private static JsonObject Disk(string json) => JsonNode.Parse(json)!.AsObject();

    private static JsonObject Hints(string json) => JsonNode.Parse(json)!.AsObject();

    private static ParsedHints Parse(string json) => RootDeviceHints.Parse(Hints(json));

    private static string? MatchName(string hintsJson, IReadOnlyList<JsonObject>? disks = null) =>
        (string?)RootDeviceHints.Match(Parse(hintsJson), disks ?? Disks())?["name"];

    private static string[] FindNames(string hintsJson, IReadOnlyList<JsonObject>? disks = null) =>
        RootDeviceHints.FindAll(Parse(hintsJson), disks ?? Disks()).Select(d => (string)d["name"]!).ToArray();

    private static RootDeviceHintsException Invalid(string hintsJson) =>
        Assert.Throws<RootDeviceHintsException>(() => Parse(hintsJson));

    // ---- size -------------------------------------------------------------------------------------------------

    [Fact]
    public void Size_hint_with_greater_or_equal_picks_the_first_big_enough_disk()
    {
        Assert.Equal("/dev/sdb", MatchName("""{"size": ">= 70"}"""));
    }

    [Fact]
    public void Size_hint_without_operator_means_exactly_that_many_GiB()
    {
        Assert.Equal("/dev/sdb", MatchName("""{"size": 120}"""));
        Assert.Equal("/dev/sdb", MatchName("""{"size": "120"}"""));
        Assert.Null(MatchName("""{"size": 121}"""));
    }

    [Theory]
    [InlineData("== 60", "/dev/sda")]
    [InlineData("==60", "/dev/sda")]
    [InlineData("!= 60", "/dev/sdb")]
    [InlineData(">= 120", "/dev/sdb")]
    [InlineData("> 60", "/dev/sdb")]
    [InlineData("<= 10", "/dev/sdc")]
    [InlineData("< 60", "/dev/sdc")]
    [InlineData("= 100", "/dev/sdb")] // the legacy "=" of specs_matcher means "greater or equal"
    [InlineData("> 120", null)]
    public void Size_operators_compare_the_disk_size_in_GiB(string expression, string? expected)
    {
        Assert.Equal(expected, MatchName($$"""{"size": "{{expression}}"}"""));
    }

    [Fact]
    public void Size_is_compared_in_fractional_GiB_not_rounded_down()
    {
        // 100 GB = 93.13 GiB: not 93, but more than 93 and less than 94.
        var disks = new List<JsonObject> { Disk("""{"name": "/dev/vda", "size": 100000000000}""") };
        Assert.Null(MatchName("""{"size": 93}""", disks));
        Assert.Equal("/dev/vda", MatchName("""{"size": "> 93"}""", disks));
        Assert.Equal("/dev/vda", MatchName("""{"size": "< 94"}""", disks));
    }

    [Fact]
    public void Size_hint_accepts_surrounding_blanks_a_plus_sign_and_digit_underscores_like_python_int()
    {
        Assert.Equal("/dev/sdb", MatchName("""{"size": "  >=  70  "}"""));
        Assert.Equal("/dev/sdb", MatchName("""{"size": "+120"}"""));
        Assert.Equal("/dev/sdb", MatchName("""{"size": "1_20"}"""));
    }

    [Fact]
    public void Size_or_is_accepted_but_never_matches_as_in_ironic_lib_which_compares_a_float_with_strings()
    {
        var hints = Parse("""{"size": "<or> 60 <or> 120"}""");
        Assert.Equal("<or> 60 <or> 120", hints.Expressions["size"]);
        Assert.Empty(RootDeviceHints.FindAll(hints, Disks()));
    }

    [Fact]
    public void Size_string_equality_never_matches_and_string_inequality_always_matches_as_in_ironic_lib()
    {
        Assert.Empty(FindNames("""{"size": "s== 60"}"""));
        Assert.Equal(["/dev/sda", "/dev/sdb", "/dev/sdc"], FindNames("""{"size": "s!= 60"}"""));
    }

    [Fact]
    public void Disk_without_a_numeric_size_does_not_match_a_size_hint()
    {
        var disks = new List<JsonObject>
        {
            Disk("""{"name": "/dev/sda"}"""),
            Disk("""{"name": "/dev/sdb", "size": null}"""),
            Disk("""{"name": "/dev/sdc", "size": "128849018880"}"""),
            Disk("""{"name": "/dev/sdd", "size": 128849018880}"""),
        };
        Assert.Equal("/dev/sdd", MatchName("""{"size": ">= 1"}""", disks));
    }

    [Theory]
    [InlineData("\"not-int\"", "is not an integer value")]
    [InlineData("\"12 GiB\"", "is not an integer value")]
    [InlineData("12.5", "is not an integer value")]
    [InlineData("12.0", "is not an integer value")]
    [InlineData("true", "is not an integer value")]
    [InlineData("null", "is not an integer value")]
    [InlineData("\"<or> 123 <or> non-int <or> 789\"", "is not an integer value")]
    [InlineData("\"<range-in> [ 10 20 ]\"", "is not an integer value")]
    [InlineData("-123", "should be a positive integer")]
    [InlineData("0", "should be a positive integer")]
    [InlineData("\"> 0\"", "should be a positive integer")]
    [InlineData("\"\"", "expression is empty")]
    [InlineData("\"   \"", "expression is empty")]
    public void Size_hint_must_be_a_positive_integer(string value, string message)
    {
        var error = Invalid($$"""{"size": {{value}}}""");
        Assert.Contains("\"size\"", error.Message);
        Assert.Contains(message, error.Message);
    }

    [Theory]
    [InlineData("<in> 10")]
    [InlineData("s>= 10")]
    [InlineData("s< 10")]
    [InlineData("<all-in> 10")]
    public void Size_hint_rejects_operators_that_ironic_lib_would_fail_on_while_matching(string expression)
    {
        var error = Invalid($$"""{"size": "{{expression}}"}""");
        Assert.Contains("not supported for integer hints", error.Message);
    }

    // ---- string hints -----------------------------------------------------------------------------------------

    [Theory]
    [InlineData("model", "small model", "/dev/sdc")]
    [InlineData("vendor", "HGST", "/dev/sdb")]
    [InlineData("serial", "veryveryfakeserial", "/dev/sdc")]
    [InlineData("wwn", "0x5000c500deadbeef", "/dev/sdc")]
    [InlineData("wwn_with_extension", "0x5000c500a1b2c3d4beef", "/dev/sda")]
    [InlineData("wwn_vendor_extension", "0x0001", "/dev/sdc")]
    [InlineData("name", "/dev/sdb", "/dev/sdb")]
    [InlineData("hctl", "1:0:0:0", "/dev/sdb")]
    [InlineData("by_path", "/dev/disk/by-path/pci-0000:00:1f.2-ata-3", "/dev/sdc")]
    public void Every_string_hint_matches_its_disk_field(string hint, string value, string expected)
    {
        Assert.Equal(expected, MatchName(new JsonObject { [hint] = value }.ToJsonString()));
    }

    [Fact]
    public void String_hint_without_operator_is_case_insensitive_and_ignores_surrounding_blanks()
    {
        Assert.Equal("/dev/sdb", MatchName("""{"model": "  BIG model "}"""));
        Assert.Equal("/dev/sdc", MatchName("""{"model": "SMALL MODEL"}"""));
    }

    [Fact]
    public void String_hint_inner_whitespace_is_significant()
    {
        Assert.Null(MatchName("""{"model": "big  model"}"""));
        Assert.Null(MatchName("""{"model": "bigmodel"}"""));
    }

    [Fact]
    public void String_hint_equality_is_exact_not_a_substring()
    {
        Assert.Null(MatchName("""{"serial": "fakeserial2"}"""));
        Assert.Equal("/dev/sda", MatchName("""{"serial": "fakeserial"}"""));
        Assert.Null(MatchName("""{"model": "model"}"""));
    }

    [Fact]
    public void Name_and_by_path_hints_need_the_full_path_because_ironic_lib_adds_no_prefix()
    {
        Assert.Null(MatchName("""{"name": "sdb"}"""));
        Assert.Null(MatchName("""{"by_path": "pci-0000:00:1f.2-ata-2"}"""));
        Assert.Equal("/dev/sdb", MatchName("""{"by_path": "/dev/disk/by-path/pci-0000:00:1f.2-ata-2"}"""));
    }

    [Fact]
    public void String_equals_operator_matches_the_whole_normalised_value()
    {
        Assert.Equal("/dev/sdb", MatchName("""{"model": "s== Big Model"}"""));
        Assert.Equal("/dev/sdb", MatchName("""{"model": "s==big model"}"""));
        Assert.Equal("/dev/sda", MatchName("""{"name": "s== /dev/sda"}"""));
    }

    [Fact]
    public void String_not_equals_operator_picks_the_first_other_disk()
    {
        Assert.Equal("/dev/sdb", MatchName("""{"vendor": "s!= ata"}"""));
        Assert.Equal(["/dev/sda", "/dev/sdc"], FindNames("""{"name": "s!= /dev/sdb"}"""));
    }

    [Theory]
    [InlineData("s< /dev/sdb", new[] { "/dev/sda" })]
    [InlineData("s<= /dev/sdb", new[] { "/dev/sda", "/dev/sdb" })]
    [InlineData("s> /dev/sdb", new[] { "/dev/sdc" })]
    [InlineData("s>= /dev/sdb", new[] { "/dev/sdb", "/dev/sdc" })]
    public void String_ordering_operators_compare_ordinally(string expression, string[] expected)
    {
        Assert.Equal(expected, FindNames($$"""{"name": "{{expression}}"}"""));
    }

    [Fact]
    public void In_operator_matches_a_substring_case_insensitively()
    {
        Assert.Equal("/dev/sdc", MatchName("""{"model": "<in> SMALL"}"""));
        Assert.Equal("/dev/sdb", MatchName("""{"model": "<in> big mod"}"""));
        Assert.Equal(["/dev/sda", "/dev/sdb", "/dev/sdc"], FindNames("""{"model": "<in> model"}"""));
        Assert.Null(MatchName("""{"model": "<in> huge"}"""));
    }

    [Fact]
    public void In_operator_only_uses_its_first_value()
    {
        Assert.Equal(["/dev/sdb"], FindNames("""{"model": "<in> big <in> small"}"""));
    }

    [Fact]
    public void Or_operator_matches_any_of_its_values_including_values_with_spaces()
    {
        Assert.Equal("/dev/sdc", MatchName("""{"model": "<or> model 5 <or> foomodel <or> small model <or>"}"""));
        Assert.Equal(["/dev/sda", "/dev/sdc"], FindNames("""{"serial": "<or> FakeSerial <or> veryveryfakeserial"}"""));
        Assert.Null(MatchName("""{"serial": "<or> a <or> b"}"""));
    }

    [Fact]
    public void Hctl_and_by_path_values_are_url_quoted_on_both_sides()
    {
        var hints = Parse("""{"hctl": "1:0:0:0", "by_path": "/dev/disk/by-path/1:0:0:0", "vendor": "foo VENDOR with space"}""");
        Assert.Equal("s== 1%3A0%3A0%3A0", hints.Expressions["hctl"]);
        Assert.Equal("s== /dev/disk/by-path/1%3A0%3A0%3A0", hints.Expressions["by_path"]);
        Assert.Equal("s== foo%20vendor%20with%20space", hints.Expressions["vendor"]);
        Assert.Equal("/dev/sdb", MatchName("""{"hctl": "<in> 1:0"}"""));
    }

    [Fact]
    public void Expressions_are_normalised_as_ironic_lib_does()
    {
        var hints = Parse("""
            {"model": "<or> foo <or> foo bar <or> bar", "serial": "s!= SpongeBob", "wwn": "<in> foo <in> foo bar",
             "size": ">= 12345", "rotational": "yes", "name": "NoSpace"}
            """);
        Assert.Equal("<or> foo <or> foo%20bar <or> bar", hints.Expressions["model"]);
        Assert.Equal("s!= spongebob", hints.Expressions["serial"]);
        Assert.Equal("<in> foo <in> foo%20bar", hints.Expressions["wwn"]);
        Assert.Equal(">= 12345", hints.Expressions["size"]);
        Assert.Equal("True", hints.Expressions["rotational"]);
        Assert.Equal("s== nospace", hints.Expressions["name"]);
        Assert.Equal("== 12345", Parse("""{"size": 12345}""").Expressions["size"]);
    }

    [Fact]
    public void Non_ascii_values_are_compared_case_insensitively_through_their_utf8_quoting()
    {
        var disks = new List<JsonObject> { Disk("""{"name": "/dev/sda", "vendor": "ÜBER & Söhne"}""") };
        Assert.Equal("/dev/sda", MatchName("""{"vendor": "über & söhne"}""", disks));
        Assert.Equal("s== %C3%BCber%20%26%20s%C3%B6hne", Parse("""{"vendor": "ÜBER & Söhne"}""").Expressions["vendor"]);
    }

    [Theory]
    [InlineData("model", "123")]
    [InlineData("serial", "true")]
    [InlineData("name", "null")]
    [InlineData("wwn", "[\"a\"]")]
    [InlineData("wwn_with_extension", "1")]
    [InlineData("wwn_vendor_extension", "{}")]
    [InlineData("vendor", "1.5")]
    [InlineData("hctl", "0")]
    [InlineData("by_path", "false")]
    public void String_hint_must_be_a_string(string hint, string value)
    {
        var error = Invalid($$"""{"{{hint}}": {{value}}}""");
        Assert.Contains($"\"{hint}\" is not a string value", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void String_hint_must_not_be_empty(string value)
    {
        Assert.Contains("\"model\" expression is empty", Invalid(new JsonObject { ["model"] = value }.ToJsonString()).Message);
    }

    [Theory]
    [InlineData("== 5")]
    [InlineData(">= 5")]
    [InlineData("!= foo")]
    [InlineData("< foo")]
    [InlineData("= foo")]
    [InlineData("<all-in> a b")]
    [InlineData("<range-in> [ 1 2 ]")]
    public void String_hint_rejects_operators_that_ironic_lib_would_fail_on_while_matching(string expression)
    {
        var error = Invalid(new JsonObject { ["model"] = expression }.ToJsonString());
        Assert.Contains("not supported for string hints", error.Message);
    }

    [Theory]
    [InlineData("<in>")]
    [InlineData("s==")]
    [InlineData("<or>")]
    public void Operator_without_a_value_is_rejected(string expression)
    {
        Assert.Throws<RootDeviceHintsException>(() => Parse(new JsonObject { ["serial"] = expression }.ToJsonString()));
    }

    // ---- rotational -------------------------------------------------------------------------------------------

    [Fact]
    public void Rotational_false_picks_the_first_solid_state_disk()
    {
        Assert.Equal("/dev/sdc", MatchName("""{"rotational": false}"""));
    }

    [Fact]
    public void Rotational_disk_values_are_read_like_the_hint_including_strings()
    {
        // /dev/sdb reports "yes".
        Assert.Equal("/dev/sdb", MatchName("""{"size": ">= 100", "rotational": true}"""));
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("\"true\"", true)]
    [InlineData("\"True\"", true)]
    [InlineData("\" on \"", true)]
    [InlineData("\"y\"", true)]
    [InlineData("\"yes\"", true)]
    [InlineData("\"t\"", true)]
    [InlineData("\"1\"", true)]
    [InlineData("1", true)]
    [InlineData("false", false)]
    [InlineData("\"false\"", false)]
    [InlineData("\"off\"", false)]
    [InlineData("\"n\"", false)]
    [InlineData("\"NO\"", false)]
    [InlineData("\"f\"", false)]
    [InlineData("\"0\"", false)]
    [InlineData("0", false)]
    public void Rotational_hint_accepts_booleans_and_oslo_boolean_strings(string value, bool expected)
    {
        Assert.Equal(expected ? "True" : "False", Parse($$"""{"rotational": {{value}}}""").Expressions["rotational"]);
    }

    [Theory]
    [InlineData("\"not-bool\"")]
    [InlineData("\"\"")]
    [InlineData("2")]
    [InlineData("1.0")]
    [InlineData("null")]
    [InlineData("[]")]
    public void Rotational_hint_must_be_a_boolean(string value)
    {
        Assert.Contains("\"rotational\" is not a Boolean value", Invalid($$"""{"rotational": {{value}}}""").Message);
    }

    [Fact]
    public void Disk_with_a_missing_or_unreadable_rotational_matches_neither_true_nor_false()
    {
        var disks = new List<JsonObject>
        {
            Disk("""{"name": "/dev/sda"}"""),
            Disk("""{"name": "/dev/sdb", "rotational": null}"""),
            Disk("""{"name": "/dev/sdc", "rotational": "maybe"}"""),
        };
        Assert.Null(MatchName("""{"rotational": true}""", disks));
        Assert.Null(MatchName("""{"rotational": false}""", disks));
    }

    // ---- several hints, invalid hints -------------------------------------------------------------------------

    [Fact]
    public void A_disk_must_satisfy_every_hint()
    {
        Assert.Equal("/dev/sdb", MatchName("""{"size": ">= 50", "model": "s==big model", "serial": "s==veryfakeserial"}"""));
        Assert.Equal("/dev/sdc", MatchName("""{"size": "<= 20", "model": "<or> model 5 <or> small model", "serial": "s== veryveryfakeserial"}"""));
        Assert.Equal("/dev/sdc", MatchName("""{"rotational": false, "model": "<in> small"}"""));
        Assert.Equal("/dev/sdb", MatchName("""{"size": "120", "model": "big model", "serial": "veryfakeserial"}"""));
        Assert.Null(MatchName("""{"size": ">= 50", "model": "s== foo"}"""));
        Assert.Null(MatchName("""{"vendor": "ata", "size": "> 100"}"""));
    }

    [Fact]
    public void Unknown_hint_names_are_rejected_and_the_valid_ones_listed()
    {
        var error = Invalid("""{"model": "x", "non-existent": "foo", "color": "red"}""");
        Assert.Contains("\"color, non-existent\" are invalid", error.Message);
        Assert.Contains("size, model, wwn, serial, vendor, wwn_with_extension, wwn_vendor_extension, name, rotational, hctl, by_path", error.Message);
    }

    [Fact]
    public void Hint_names_are_case_sensitive()
    {
        Assert.Contains("\"Size\" are invalid", Invalid("""{"Size": 10}""").Message);
    }

    [Fact]
    public void Empty_hints_are_rejected()
    {
        Assert.Throws<RootDeviceHintsException>(() => Parse("{}"));
    }

    // ---- missing and empty disk fields ------------------------------------------------------------------------

    [Fact]
    public void Disk_missing_a_string_field_does_not_match_an_equality_hint()
    {
        var disks = new List<JsonObject>
        {
            Disk("""{"name": "/dev/sda", "size": 64424509440}"""),
            Disk("""{"name": "/dev/sdb", "size": 64424509440, "wwn": null}"""),
            Disk("""{"name": "/dev/sdc", "size": 64424509440, "wwn": "0x1"}"""),
        };
        Assert.Equal("/dev/sdc", MatchName("""{"wwn": "0x1"}""", disks));
        Assert.Equal("/dev/sdc", MatchName("""{"wwn": "<in> 0x"}""", disks));
    }

    [Fact]
    public void Disk_missing_a_string_field_is_compared_as_the_text_none_as_ironic_lib_does()
    {
        var disks = new List<JsonObject>
        {
            Disk("""{"name": "/dev/sda", "wwn": "0x1"}"""),
            Disk("""{"name": "/dev/sdb", "wwn": null}"""),
            Disk("""{"name": "/dev/sdc"}"""),
        };
        Assert.Equal(["/dev/sdb", "/dev/sdc"], FindNames("""{"wwn": "s!= 0x1"}""", disks));
        Assert.Equal(["/dev/sdb", "/dev/sdc"], FindNames("""{"wwn": "None"}""", disks));
    }

    [Fact]
    public void Disk_with_an_empty_or_blank_string_field_never_matches_that_hint()
    {
        var disks = new List<JsonObject>
        {
            Disk("""{"name": "/dev/sda", "model": " "}"""),
            Disk("""{"name": "/dev/sdb", "model": ""}"""),
        };
        Assert.Null(MatchName("""{"model": "foo"}""", disks));
        Assert.Null(MatchName("""{"model": "s!= foo"}""", disks));
    }

    // ---- order, FindAll, skip lists ---------------------------------------------------------------------------

    [Fact]
    public void Match_returns_the_first_matching_disk_in_the_given_order()
    {
        var disks = Disks();
        Assert.Equal("/dev/sda", MatchName("""{"vendor": "ata"}""", disks));
        disks.Reverse();
        Assert.Equal("/dev/sdc", MatchName("""{"vendor": "ata"}""", disks));
    }

    [Fact]
    public void Match_returns_the_disk_instance_itself()
    {
        var disks = Disks();
        Assert.Same(disks[1], RootDeviceHints.Match(Parse("""{"serial": "veryfakeserial"}"""), disks));
    }

    [Fact]
    public void Match_returns_null_when_no_disk_matches_or_there_are_no_disks()
    {
        Assert.Null(MatchName("""{"size": ">= 100500"}"""));
        Assert.Null(MatchName("""{"size": ">= 1"}""", []));
    }

    [Fact]
    public void FindAll_returns_every_matching_disk_in_order()
    {
        Assert.Equal(["/dev/sda", "/dev/sdb", "/dev/sdc"], FindNames("""{"size": ">= 10"}"""));
        Assert.Equal(["/dev/sda", "/dev/sdc"], FindNames("""{"vendor": "ATA"}"""));
        Assert.Empty(FindNames("""{"size": ">= 100500"}"""));
    }

    [Fact]
    public void Skip_list_hints_remove_every_disk_matching_any_of_them_before_root_disk_matching()
    {
        var disks = Disks();
        JsonObject[] skipHints = [Hints("""{"vendor": "HGST"}"""), Hints("""{"name": "/dev/sda"}""")];

        var skipped = skipHints
            .SelectMany(h => RootDeviceHints.FindAll(RootDeviceHints.Parse(h), disks))
            .Select(d => (string)d["name"]!)
            .ToHashSet();
        var remaining = disks.Where(d => !skipped.Contains((string)d["name"]!)).ToList();

        Assert.Equal(["/dev/sda", "/dev/sdb"], skipped.Order());
        Assert.Equal("/dev/sdc", MatchName("""{"size": ">= 1"}""", remaining));
        Assert.Null(MatchName("""{"size": ">= 100"}""", remaining));
    }

    [Fact]
    public void Skip_list_hint_matching_nothing_skips_nothing()
    {
        Assert.Empty(FindNames("""{"serial": "not-there"}"""));
    }
}
