namespace Inspector.Grains.Interfaces.Nodes;

/// <summary>States of one node's introspection, named as on the wire.</summary>
[GenerateSerializer, Alias("inspector.introspection-state")]
public enum IntrospectionState
{
    Starting,
    Waiting,
    Processing,
    Finished,
    Error,
    Reapplying,
    Enrolling,
    Aborting,
}

/// <summary>Events that move an introspection between states.</summary>
[GenerateSerializer, Alias("inspector.introspection-event")]
public enum IntrospectionEvent
{
    Start,
    Wait,
    Process,
    Reapply,
    Finish,
    Timeout,
    Abort,
    AbortEnd,
    Error,
}

public static class IntrospectionStateNames
{
    private static readonly string[] StateNames =
        ["starting", "waiting", "processing", "finished", "error", "reapplying", "enrolling", "aborting"];

    private static readonly string[] EventNames =
        ["start", "wait", "process", "reapply", "finish", "timeout", "abort", "abort_end", "error"];

    public static string ToWire(this IntrospectionState state) => StateNames[(int)state];

    public static string ToWire(this IntrospectionEvent evt) => EventNames[(int)evt];

    public static bool TryParse(string text, out IntrospectionState state)
    {
        var index = Array.IndexOf(StateNames, text);
        state = index >= 0 ? (IntrospectionState)index : default;
        return index >= 0;
    }
}
