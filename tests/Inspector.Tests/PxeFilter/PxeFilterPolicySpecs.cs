using Inspector.Grains.PxeFilter;

namespace Inspector.Tests.PxeFilter;

/// <summary>
/// Which machines the inspection network's DHCP server may answer (issue 6, internals §8):
/// MACs on introspection boot, every other MAC Ironic knows never does, and machines Ironic does
/// not know boot only while some introspection runs, and never with <c>deny_unknown_macs</c>.
/// </summary>
public sealed class PxeFilterPolicySpecs
{
    private const string OnIntrospection = "52:54:00:00:00:01";
    private const string KnownOnly = "52:54:00:00:00:02";
    private const string Unknown = "52:54:00:00:00:03";

    /// <summary>Every combination of "some introspection runs" and <c>deny_unknown_macs</c>.</summary>
    public static TheoryData<bool, bool> Situations => new()
    {
        { false, false },
        { false, true },
        { true, false },
        { true, true },
    };

    private static PxeFilterRules Decide(bool running, bool denyUnknown, IEnumerable<string>? onIntrospection = null, IEnumerable<string>? known = null) =>
        PxeFilterPolicy.Decide(
            new HashSet<string>(onIntrospection ?? (running ? [OnIntrospection] : [])),
            new HashSet<string>(known ?? [OnIntrospection, KnownOnly]),
            running,
            denyUnknown);

    [Theory]
    [MemberData(nameof(Situations))]
    public void A_mac_on_introspection_is_allowed_and_never_denied(bool running, bool denyUnknown)
    {
        var rules = Decide(running, denyUnknown, onIntrospection: [OnIntrospection]);

        Assert.Contains(OnIntrospection, rules.Allowed);
        Assert.DoesNotContain(OnIntrospection, rules.Denied);
    }

    [Theory]
    [MemberData(nameof(Situations))]
    public void A_mac_on_introspection_that_ironic_does_not_list_is_still_allowed(bool running, bool denyUnknown)
    {
        var rules = Decide(running, denyUnknown, onIntrospection: [OnIntrospection], known: [KnownOnly]);

        Assert.Equal([OnIntrospection], rules.Allowed);
        Assert.Equal([KnownOnly], rules.Denied);
    }

    [Theory]
    [MemberData(nameof(Situations))]
    public void A_mac_known_to_ironic_but_not_on_introspection_is_denied(bool running, bool denyUnknown)
    {
        var rules = Decide(running, denyUnknown);

        Assert.Contains(KnownOnly, rules.Denied);
        Assert.DoesNotContain(KnownOnly, rules.Allowed);
    }

    [Theory]
    [MemberData(nameof(Situations))]
    public void An_unknown_mac_is_on_neither_list_and_boots_only_while_introspection_runs_without_deny_unknown_macs(bool running, bool denyUnknown)
    {
        var rules = Decide(running, denyUnknown);

        Assert.DoesNotContain(Unknown, rules.Allowed);
        Assert.DoesNotContain(Unknown, rules.Denied);
        Assert.Equal(running && !denyUnknown, rules.AllowUnknown);
    }

    [Fact]
    public void With_no_introspection_running_unknown_machines_are_denied()
    {
        var rules = Decide(running: false, denyUnknown: false);

        Assert.False(rules.AllowUnknown);
        Assert.Empty(rules.Allowed);
        Assert.Equal(new HashSet<string> { OnIntrospection, KnownOnly }, rules.Denied);
    }

    [Fact]
    public void While_introspection_runs_unknown_machines_boot_for_discovery()
    {
        var rules = Decide(running: true, denyUnknown: false);

        Assert.True(rules.AllowUnknown);
        Assert.Equal([OnIntrospection], rules.Allowed);
        Assert.Equal([KnownOnly], rules.Denied);
    }

    [Fact]
    public void Deny_unknown_macs_keeps_unknown_machines_out_even_while_introspection_runs()
    {
        var rules = Decide(running: true, denyUnknown: true);

        Assert.False(rules.AllowUnknown);
        Assert.Equal([OnIntrospection], rules.Allowed);
        Assert.Equal([KnownOnly], rules.Denied);
    }

    [Fact]
    public void Macs_are_compared_and_written_in_lower_case()
    {
        var rules = PxeFilterPolicy.Decide(
            new HashSet<string> { "52:54:00:AA:BB:01" },
            new HashSet<string> { "52:54:00:aa:bb:01", "52:54:00:AA:BB:02" },
            introspectionRunning: true,
            denyUnknownMacs: false);

        Assert.Equal(["52:54:00:aa:bb:01"], rules.Allowed);
        Assert.Equal(["52:54:00:aa:bb:02"], rules.Denied);
    }

    [Fact]
    public void Nothing_known_and_nothing_running_denies_only_unknown_machines()
    {
        var rules = PxeFilterPolicy.Decide(new HashSet<string>(), new HashSet<string>(), introspectionRunning: false, denyUnknownMacs: false);

        Assert.Empty(rules.Allowed);
        Assert.Empty(rules.Denied);
        Assert.False(rules.AllowUnknown);
    }

    [Fact]
    public void Every_mac_of_several_nodes_on_introspection_is_allowed_and_the_rest_of_the_fleet_denied()
    {
        var fleet = Enumerable.Range(0, 100).Select(i => $"52:54:00:00:01:{i:x2}").ToList();
        var onIntrospection = fleet.Take(3).ToList();

        var rules = PxeFilterPolicy.Decide(onIntrospection.ToHashSet(), fleet.ToHashSet(), introspectionRunning: true, denyUnknownMacs: false);

        Assert.Equal(onIntrospection.ToHashSet(), rules.Allowed);
        Assert.Equal(fleet.Skip(3).ToHashSet(), rules.Denied);
    }
}
