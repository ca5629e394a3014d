using Inspector.Grains.Interfaces.Nodes;

namespace Inspector.Grains.Interfaces.References;

/// <summary>
/// Grain references for the per-request paths. Orleans' <c>GetGrain&lt;T&gt;(key)</c> resolves
/// the interface's id from its attributes, with reflection, on every call (1.3% of the service's
/// CPU in a fleet run); the ids are fixed for the life of the process, so each is resolved once
/// and the reference is made from the grain id.
/// </summary>
public static class HotPathGrains
{
    public static INodeGrain Node(this IGrainFactory grains, string uuid) =>
        Ids<INodeGrain>.Resolved is { } ids
            ? (INodeGrain)grains.GetGrain(GrainId.Create(ids.Type, uuid), ids.Interface)
            : Ids<INodeGrain>.Learn(grains.GetGrain<INodeGrain>(uuid), GrainTypeNames.Node);

    public static IRamdiskCallbackGrain RamdiskCallback(this IGrainFactory grains) =>
        Ids<IRamdiskCallbackGrain>.Resolved is { } ids
            ? (IRamdiskCallbackGrain)grains.GetGrain(ids.Zero, ids.Interface)
            : Ids<IRamdiskCallbackGrain>.Learn(grains.GetGrain<IRamdiskCallbackGrain>(0), GrainTypeNames.RamdiskCallback);

    public static INodeDirectoryGrain NodeDirectory(this IGrainFactory grains) =>
        Ids<INodeDirectoryGrain>.Resolved is { } ids
            ? (INodeDirectoryGrain)grains.GetGrain(ids.Zero, ids.Interface)
            : Ids<INodeDirectoryGrain>.Learn(grains.GetGrain<INodeDirectoryGrain>(0), GrainTypeNames.NodeDirectory);

    /// <summary>
    /// The ids learned from the first reference: its grain type and interface, and its whole grain
    /// id, which for the integer-keyed singletons (always key 0) is the id of every later call.
    /// </summary>
    private sealed record GrainIds(GrainType Type, GrainInterfaceType Interface, GrainId Zero);

    private static class Ids<T>
        where T : IAddressable
    {
        public static GrainIds? Resolved { get; private set; }

        /// <summary>
        /// Keeps the ids of a reference Orleans made, once it names the pinned grain type: a client
        /// that has not yet seen the cluster's manifest gets a placeholder type, never cached.
        /// </summary>
        public static T Learn(T reference, string grainType)
        {
            var made = (GrainReference)(object)reference;
            if (made.GrainId.Type.ToString() == grainType)
            {
                Resolved = new GrainIds(made.GrainId.Type, made.InterfaceType, made.GrainId);
            }

            return reference;
        }
    }
}
