using Inspector.Grains.Interfaces.Nodes;
using static Inspector.Grains.Interfaces.Nodes.IntrospectionEvent;
using static Inspector.Grains.Interfaces.Nodes.IntrospectionState;

namespace Inspector.Grains.Nodes;

/// <summary>
/// The introspection state machine of ironic-inspector, transition for transition, including
/// its gaps (there is no <c>error</c> event from <c>waiting</c>, <c>finished</c> or <c>aborting</c>).
/// </summary>
public static class IntrospectionStateMachine
{
    private static readonly Dictionary<(IntrospectionState, IntrospectionEvent), IntrospectionState> Transitions = new()
    {
        [(Starting, Wait)] = Waiting,
        [(Starting, IntrospectionEvent.Timeout)] = IntrospectionState.Error,
        [(Starting, IntrospectionEvent.Error)] = IntrospectionState.Error,

        [(Waiting, Start)] = Starting,
        [(Waiting, Process)] = IntrospectionState.Processing,
        [(Waiting, IntrospectionEvent.Timeout)] = IntrospectionState.Error,
        [(Waiting, Abort)] = Aborting,

        [(IntrospectionState.Processing, Finish)] = Finished,
        [(IntrospectionState.Processing, IntrospectionEvent.Timeout)] = IntrospectionState.Error,
        [(IntrospectionState.Processing, IntrospectionEvent.Error)] = IntrospectionState.Error,

        [(Finished, Start)] = Starting,
        [(Finished, Reapply)] = Reapplying,
        [(Finished, Finish)] = Finished,

        [(IntrospectionState.Error, Start)] = Starting,
        [(IntrospectionState.Error, Reapply)] = Reapplying,
        [(IntrospectionState.Error, Abort)] = IntrospectionState.Error,
        [(IntrospectionState.Error, IntrospectionEvent.Error)] = IntrospectionState.Error,

        [(Reapplying, Reapply)] = Reapplying,
        [(Reapplying, Finish)] = Finished,
        [(Reapplying, IntrospectionEvent.Timeout)] = IntrospectionState.Error,
        [(Reapplying, IntrospectionEvent.Error)] = IntrospectionState.Error,

        [(Enrolling, Process)] = IntrospectionState.Processing,
        [(Enrolling, IntrospectionEvent.Timeout)] = IntrospectionState.Error,
        [(Enrolling, IntrospectionEvent.Error)] = IntrospectionState.Error,

        [(Aborting, IntrospectionEvent.Timeout)] = IntrospectionState.Error,
        [(Aborting, AbortEnd)] = IntrospectionState.Error,
    };

    public static bool TryFire(IntrospectionState from, IntrospectionEvent evt, out IntrospectionState to) =>
        Transitions.TryGetValue((from, evt), out to);

    /// <summary>The reference's message for an event that has no transition from a state.</summary>
    public static string InvalidEventMessage(IntrospectionState from, IntrospectionEvent evt) =>
        $"Can not transition from state '{from.ToWire()}' on event '{evt.ToWire()}' (no defined transition)";
}
