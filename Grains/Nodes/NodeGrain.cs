using Inspector.Grains.Configuration;
using Inspector.Grains.Interfaces.Nodes;
using Inspector.Grains.Interfaces.References;
using Inspector.Grains.Ironic;
using Inspector.Grains.Processing;
using Inspector.Grains.Rules;
using Inspector.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Inspector.Grains.Nodes;

/// <summary>
/// One bare-metal node's introspection. Reentrant so that status reads, and a 409 for an abort
/// while a long Ironic call runs, answer at once; <see cref="_lock"/> keeps state-changing
/// operations from overlapping.
/// </summary>
[GrainType(GrainTypeNames.Node)]
[Reentrant]
public sealed partial class NodeGrain(
    [PersistentState("introspection", NodeGrainStorage.Name)] IPersistentState<NodeState> persisted,
    IronicClient ironic,
    RebootPacer pacer,
    IIntrospectionDataStore dataStore,
    ProcessingPipeline pipeline,
    RamdiskLogs ramdiskLogs,
    RulesCache rules,
    IOptions<DefaultOptions> defaults,
    IOptions<ProcessingOptions> processing,
    TimeProvider time,
    ILogger<NodeGrain> logger) : Grain, INodeGrain
{
    /// <summary>Provision states in which Ironic lets a node be inspected.</summary>
    private static readonly string[] InspectableStates = ["enroll", "manageable", "inspecting", "inspect wait", "inspect failed"];

    private readonly NodeLock _lock = new();

    /// <summary>The status as last written: readers never see a state that is not yet durable.</summary>
    private NodeStatus? _status;

    private string Uuid => this.GetPrimaryKeyString();

    private NodeState State => persisted.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _status = Snapshot();
        if (IsInterrupted)
        {
            // The run that held this state died with its silo (or process): nobody else will end it.
            _lock.TryAcquire();
            _ = RecoverInterruptedRunAsync();
        }

        return Task.CompletedTask;
    }

    public Task<NodeStatus?> GetStatusAsync() => Task.FromResult(_status);

    public async Task<CommandResult> StartAsync(StartIntrospection request)
    {
        if (State.State is { } current && !IntrospectionStateMachine.TryFire(current, IntrospectionEvent.Start, out _))
        {
            return CommandResult.Invalid(IntrospectionStateMachine.InvalidEventMessage(current, IntrospectionEvent.Start));
        }

        if (!_lock.TryAcquire())
        {
            return CommandResult.Locked();
        }

        var handedOver = false;
        try
        {
            var node = await ironic.GetNodeAsync(Uuid);
            if (node is null)
            {
                return CommandResult.NotFound($"Node {Uuid} was not found in Ironic");
            }

            if (CheckProvisionState(node) is { } invalid)
            {
                return CommandResult.Invalid(invalid);
            }

            IpmiCredentials? credentials = null;
            if (request.SetsIpmiCredentials)
            {
                var username = request.NewIpmiUsername ?? node.DriverInfo["ipmi_username"]?.ToString();
                if (request.NewIpmiPassword is null || string.IsNullOrEmpty(username))
                {
                    return CommandResult.Invalid(
                        "Setting IPMI credentials requires a new password and a user name (new_ipmi_username, or ipmi_username in the node's driver_info)");
                }

                credentials = new IpmiCredentials(username, request.NewIpmiPassword);
            }

            // With new credentials the BMC cannot be used yet: the operator powers the node on.
            var manageBoot = request.ManageBoot && credentials is null;
            if (manageBoot)
            {
                var power = await ironic.ValidateAsync(Uuid, "power");
                if (!power.Result)
                {
                    return CommandResult.Invalid($"Failed validation of power interface: {power.Reason}");
                }
            }

            var bmc = await LookupAttributes.BmcAddressesAsync(node, defaults.Value.IpmiAddressFields);
            var ports = await ironic.GetPortsAsync(Uuid);

            // A new introspection starts from nothing: the data of the previous one goes. Queued
            // before the state below, it shares that state's commit instead of waiting for its own.
            var previousDataDeleted = dataStore.DeleteAsync(Uuid);
            var now = Timestamps.Now(time);
            State.State = IntrospectionState.Starting;
            State.StartedAt = now;
            State.FinishedAt = null;
            State.Error = null;
            State.ManageBoot = manageBoot;
            State.NewIpmiCredentials = credentials;
            State.LookupAttributes =
            [
                .. bmc.Select(a => new LookupAttribute(LookupAttribute.BmcAddress, a)),
                .. ports.Select(p => new LookupAttribute(LookupAttribute.Mac, p.Address)).Distinct(),
            ];

            if (State.LookupAttributes.Count == 0)
            {
                const string noAttributes = "No lookup attributes were found, inspector won't be able to find it after " +
                    "introspection, consider creating ironic ports or providing an IPMI address";
                await previousDataDeleted;
                await FinishAsync(IntrospectionEvent.Error, noAttributes);
                return manageBoot ? CommandResult.Accepted : CommandResult.Invalid(noAttributes);
            }

            if (!manageBoot)
            {
                State.State = IntrospectionState.Waiting;
                await SaveAsync(alongside: previousDataDeleted);
                LogStarted(Uuid, false);
                return CommandResult.Accepted;
            }

            await SaveAsync(alongside: previousDataDeleted);
            LogStarted(Uuid, true);
            handedOver = true;
            _ = BootIntoRamdiskAsync(node);
            return CommandResult.Accepted;
        }
        catch (IronicException e)
        {
            return e.StatusCode is null
                ? CommandResult.Unavailable(e.Message)
                : CommandResult.Invalid($"Cannot get node {Uuid}: {e.Message}");
        }
        catch (LookupAttributeException e)
        {
            return CommandResult.Invalid(e.Message);
        }
        finally
        {
            if (!handedOver)
            {
                _lock.Release();
            }
        }
    }

    public Task<CommandResult> AbortAsync()
    {
        if (State.State is not { } current)
        {
            return Task.FromResult(NotInCache());
        }

        if (_lock.IsHeld)
        {
            return Task.FromResult(CommandResult.Locked());
        }

        if (!IntrospectionStateMachine.TryFire(current, IntrospectionEvent.Abort, out _))
        {
            // The reference accepts the request and only logs that nothing can happen.
            LogIgnoredAbort(Uuid, current.ToWire());
            return Task.FromResult(CommandResult.Accepted);
        }

        _lock.TryAcquire();
        _ = AbortInBackgroundAsync(current);
        return Task.FromResult(CommandResult.Accepted);
    }

    public async Task<bool> TimeOutAsync(DateTime startedAt)
    {
        if (_lock.IsHeld || State.State is not { } current || State.FinishedAt is not null || State.StartedAt != startedAt
            || !IntrospectionStateMachine.TryFire(current, IntrospectionEvent.Timeout, out _))
        {
            return false;
        }

        if (current != IntrospectionState.Waiting)
        {
            LogTimeoutInState(Uuid, current.ToWire());
        }

        _lock.TryAcquire();
        try
        {
            await FinishAsync(IntrospectionEvent.Timeout, "Introspection timeout", releaseLock: true);
            return true;
        }
        finally
        {
            _lock.Release();
        }
    }

    public async Task ForgetAsync()
    {
        if (_lock.IsHeld || State.State is null)
        {
            return;
        }

        await dataStore.DeleteAsync(Uuid);
        await persisted.ClearStateAsync();
        _status = null;
        DeactivateOnIdle();
    }

    /// <summary>
    /// States that only exist while an activation runs them under the lock. Found in storage by a
    /// new activation, they mean that run was cut short.
    /// </summary>
    private bool IsInterrupted => State.FinishedAt is null && State.State is IntrospectionState.Starting
        or IntrospectionState.Processing or IntrospectionState.Reapplying or IntrospectionState.Aborting;

    /// <summary>
    /// Takes over a run cut short: a boot is done again (the ramdisk then posts as usual), an abort
    /// completes, and a processing run ends in error: its Ironic update may already have been
    /// sent, and processing it again could apply it twice.
    /// </summary>
    private async Task RecoverInterruptedRunAsync()
    {
        var handedOver = false;
        try
        {
            var state = State.State!.Value;
            logger.LogWarning("Node {Node} was left in state {State} by a stopped run; recovering", Uuid, state.ToWire());
            switch (state)
            {
                case IntrospectionState.Starting when State.ManageBoot:
                    var node = await ironic.GetNodeAsync(Uuid);
                    if (node is null)
                    {
                        await FinishAsync(IntrospectionEvent.Error, $"Node {Uuid} was not found in Ironic when resuming its boot");
                        return;
                    }

                    handedOver = true;
                    _ = BootIntoRamdiskAsync(node);
                    break;
                case IntrospectionState.Starting:
                    await TransitionAsync(IntrospectionEvent.Wait);
                    break;
                case IntrospectionState.Aborting:
                    await FinishAsync(IntrospectionEvent.AbortEnd, "Canceled by operator");
                    break;
                default:
                    await FinishAsync(IntrospectionEvent.Error,
                        $"{(state == IntrospectionState.Processing ? "Processing" : "Reapplying")} was interrupted because the " +
                        "service running it stopped; start introspection again (or reapply the stored data)");
                    break;
            }
        }
        catch (Exception e)
        {
            logger.LogError(e, "Recovering node {Node} failed", Uuid);
            await TryFinishAfterFailureAsync(e);
        }
        finally
        {
            if (!handedOver)
            {
                _lock.Release();
            }
        }
    }

    private NodeStatus? Snapshot() => State.State is { } state
        ? new NodeStatus(Uuid, state, State.StartedAt, State.FinishedAt, State.Error)
        : null;

    private CommandResult NotInCache() => CommandResult.NotFound($"Could not find node {Uuid} in cache");

    private string? CheckProvisionState(IronicNode node)
    {
        var state = node.ProvisionState.ToLowerInvariant();
        if (node.IsActive && processing.Value.PermitActiveIntrospection)
        {
            return null;
        }

        return InspectableStates.Contains(state)
            ? null
            : $"Invalid provision state for introspection: \"{state}\", valid states are " +
              $"\"['{string.Join("', '", InspectableStates)}']\"";
    }

    /// <summary>Sets PXE boot and reboots the node into the ramdisk, then waits for its data.</summary>
    private async Task BootIntoRamdiskAsync(IronicNode node)
    {
        try
        {
            DelayDeactivation(TimeSpan.FromMinutes(30));
            var persistent = IsPersistentBoot(node.DriverInfo["force_persistent_boot_device"]?.ToString());
            try
            {
                await ironic.SetBootDeviceAsync(Uuid, "pxe", persistent);
            }
            catch (IronicException e)
            {
                await FinishAsync(IntrospectionEvent.Error, $"Failed to set boot device to PXE: {e.Message}", releaseLock: true);
                return;
            }

            await Task.Delay(pacer.ReserveSlot(), time);
            try
            {
                await ironic.SetPowerStateAsync(Uuid, "rebooting");
            }
            catch (IronicException e)
            {
                await FinishAsync(IntrospectionEvent.Error,
                    $"Failed to power on the node, check its power management configuration: {e.Message}", releaseLock: true);
                return;
            }

            await TransitionAsync(IntrospectionEvent.Wait, releaseLock: true);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Booting node {Node} into the ramdisk failed", Uuid);
            await TryFinishAfterFailureAsync(e);
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task AbortInBackgroundAsync(IntrospectionState from)
    {
        try
        {
            await TransitionAsync(IntrospectionEvent.Abort);
            if (State.ManageBoot)
            {
                try
                {
                    await ironic.SetPowerStateAsync(Uuid, "power off");
                }
                catch (IronicException e)
                {
                    // The operator asked to stop; a node that cannot be powered off is logged, not kept.
                    logger.LogWarning("Failed to power off node {Node} after abort: {Error}", Uuid, e.Message);
                }
            }

            if (from == IntrospectionState.Waiting)
            {
                await FinishAsync(IntrospectionEvent.AbortEnd, "Canceled by operator", releaseLock: true);
            }
        }
        catch (Exception e)
        {
            logger.LogError(e, "Aborting introspection of node {Node} failed", Uuid);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary><c>Always</c>, or any oslo true value, keeps PXE as the boot device across reboots.</summary>
    private static bool IsPersistentBoot(string? value) =>
        string.Equals(value, "always", StringComparison.OrdinalIgnoreCase) || (OsloBool.TryParse(value, out var persistent) && persistent);

    /// <summary>
    /// Persists the state (with the status and lookup indexes), then publishes it to readers and
    /// releases the node lock in the same turn, so a client that sees the new state can act on it.
    /// <paramref name="alongside"/> is a write queued just before (e.g. introspection data) that
    /// must be durable too before the state is published; both usually share one commit.
    /// </summary>
    private async Task SaveAsync(bool releaseLock = false, Task? alongside = null)
    {
        await Task.WhenAll(persisted.WriteStateAsync(), alongside ?? Task.CompletedTask);
        _status = Snapshot();
        if (releaseLock)
        {
            _lock.Release();
        }
    }

    /// <summary>Applies an event and persists the new state (with the status index).</summary>
    private async Task TransitionAsync(IntrospectionEvent evt, bool releaseLock = false)
    {
        var current = State.State ?? IntrospectionState.Starting;
        if (!IntrospectionStateMachine.TryFire(current, evt, out var next))
        {
            throw new InvalidOperationException(IntrospectionStateMachine.InvalidEventMessage(current, evt));
        }

        State.State = next;
        await SaveAsync(releaseLock);
    }

    /// <summary>
    /// Ends the introspection: records when and why, drops the lookup attributes (the ramdisk
    /// can no longer find this node) and applies the closing event.
    /// </summary>
    private async Task FinishAsync(IntrospectionEvent evt, string? error, bool releaseLock = false)
    {
        var current = State.State ?? IntrospectionState.Starting;
        if (!IntrospectionStateMachine.TryFire(current, evt, out var next))
        {
            LogInvalidEvent(Uuid, current.ToWire(), evt.ToWire());
            return;
        }

        State.State = next;
        State.FinishedAt = Timestamps.Now(time);
        State.Error = error;
        State.LookupAttributes = [];
        State.NewIpmiCredentials = null;
        await SaveAsync(releaseLock);
        LogFinished(Uuid, next.ToWire(), error ?? "");
    }

    private async Task TryFinishAfterFailureAsync(Exception failure)
    {
        try
        {
            await persisted.ReadStateAsync();
            await FinishAsync(IntrospectionEvent.Error, failure.Message);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Could not record the failure of node {Node}", Uuid);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Introspection of node {Node} started (manage_boot={ManageBoot})")]
    private partial void LogStarted(string node, bool manageBoot);

    [LoggerMessage(Level = LogLevel.Information, Message = "Introspection of node {Node} ended in {State} {Error}")]
    private partial void LogFinished(string node, string state, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Abort of node {Node} in state {State} does nothing")]
    private partial void LogIgnoredAbort(string node, string state);

    [LoggerMessage(Level = LogLevel.Error, Message = "Introspection of node {Node} timed out in state {State}")]
    private partial void LogTimeoutInState(string node, string state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {Node}: event {Event} is invalid in state {State}")]
    private partial void LogInvalidEvent(string node, string state, string @event);
}
