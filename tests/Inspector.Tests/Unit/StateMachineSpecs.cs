using Inspector.Grains.Interfaces.Nodes;
using Inspector.Grains.Nodes;

namespace Inspector.Tests.Unit;

/// <summary>
/// The introspection state machine, cell by cell, against the reference's transition table
/// (internals.md §3, confirmed on the wire in api-behaviour.md), gaps included.
/// </summary>
public sealed class StateMachineSpecs
{
    /// <summary>The reference's table as it is written: "–" means the event has no transition.</summary>
    private const string Table = """
        from \ event | start    | wait    | process    | reapply    | finish   | timeout | abort    | abort_end | error
        starting     | –        | waiting | –          | –          | –        | error   | –        | –         | error
        waiting      | starting | –       | processing | –          | –        | error   | aborting | –         | –
        processing   | –        | –       | –          | –          | finished | error   | –        | –         | error
        finished     | starting | –       | –          | reapplying | finished | –       | –        | –         | –
        error        | starting | –       | –          | reapplying | –        | –       | error    | –         | error
        reapplying   | –        | –       | –          | reapplying | finished | error   | –        | –         | error
        enrolling    | –        | –       | processing | –          | –        | error   | –        | –         | error
        aborting     | –        | –       | –          | –          | –        | error   | –        | error     | –
        """;

    public static TheoryData<string, string, string?> Cells => [.. TableCells()];

    private static IEnumerable<(string From, string Event, string? To)> TableCells()
    {
        var rows = Table.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(row => row.Split('|', StringSplitOptions.TrimEntries))
            .ToList();
        var events = rows[0][1..];
        foreach (var row in rows.Skip(1))
        {
            for (var i = 0; i < events.Length; i++)
            {
                yield return (row[0], events[i], row[i + 1] == "–" ? null : row[i + 1]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public void Every_cell_of_the_reference_table_holds(string from, string evt, string? to)
    {
        var fired = IntrospectionStateMachine.TryFire(State(from), Event(evt), out var next);

        if (to is null)
        {
            Assert.False(fired, $"{from} --{evt}--> must have no transition, got {next.ToWire()}");
            Assert.Equal(
                $"Can not transition from state '{from}' on event '{evt}' (no defined transition)",
                IntrospectionStateMachine.InvalidEventMessage(State(from), Event(evt)));
        }
        else
        {
            Assert.True(fired, $"{from} --{evt}--> must lead to {to}");
            Assert.Equal(to, next.ToWire());
        }
    }

    [Fact]
    public void The_table_covers_every_state_and_every_event()
    {
        var cells = TableCells().Select(c => (c.From, c.Event)).ToList();

        var expected = Enum.GetValues<IntrospectionState>()
            .SelectMany(s => Enum.GetValues<IntrospectionEvent>().Select(e => (s.ToWire(), e.ToWire())))
            .ToHashSet();
        Assert.Equal(8 * 9, expected.Count);
        Assert.Equal(expected.Order(), cells.Order());
        Assert.Equal(8 * 9, Cells.Count);
    }

    [Fact]
    public void A_second_start_while_starting_is_refused_with_the_reference_message()
    {
        Assert.False(IntrospectionStateMachine.TryFire(IntrospectionState.Starting, IntrospectionEvent.Start, out _));
        Assert.Equal(
            "Can not transition from state 'starting' on event 'start' (no defined transition)",
            IntrospectionStateMachine.InvalidEventMessage(IntrospectionState.Starting, IntrospectionEvent.Start));
    }

    [Fact]
    public void An_error_reported_while_waiting_has_no_transition_as_in_the_reference()
    {
        // 11.1.0 answers a ramdisk error for a waiting node with this very message (api-behaviour.md).
        Assert.False(IntrospectionStateMachine.TryFire(IntrospectionState.Waiting, IntrospectionEvent.Error, out _));
        Assert.Equal(
            "Can not transition from state 'waiting' on event 'error' (no defined transition)",
            IntrospectionStateMachine.InvalidEventMessage(IntrospectionState.Waiting, IntrospectionEvent.Error));
    }

    [Fact]
    public void Events_are_named_as_on_the_wire_in_messages()
    {
        Assert.Equal(
            "Can not transition from state 'finished' on event 'abort_end' (no defined transition)",
            IntrospectionStateMachine.InvalidEventMessage(IntrospectionState.Finished, IntrospectionEvent.AbortEnd));
    }

    [Theory]
    [InlineData("starting")]
    [InlineData("waiting")]
    [InlineData("processing")]
    [InlineData("finished")]
    [InlineData("error")]
    [InlineData("reapplying")]
    [InlineData("enrolling")]
    [InlineData("aborting")]
    public void State_names_read_back_as_they_are_written(string name)
    {
        Assert.True(IntrospectionStateNames.TryParse(name, out var state));
        Assert.Equal(name, state.ToWire());
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("Waiting")]
    [InlineData("")]
    public void Unknown_state_names_do_not_parse(string name) =>
        Assert.False(IntrospectionStateNames.TryParse(name, out _));

    private static IntrospectionState State(string name) =>
        IntrospectionStateNames.TryParse(name, out var state) ? state : throw new ArgumentException($"Unknown state {name}");

    private static IntrospectionEvent Event(string name) =>
        Enum.GetValues<IntrospectionEvent>().Single(e => e.ToWire() == name);
}
