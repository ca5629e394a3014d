using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Inspector.Grains.Interfaces.Nodes;
using Inspector.Grains.Ironic;
using Inspector.Grains.Processing;
using Inspector.Grains.Rules;
using Microsoft.Extensions.Logging;

namespace Inspector.Grains.Nodes;

/// <summary>Processing the ramdisk's data and reapplying processing on stored data.</summary>
public sealed partial class NodeGrain
{
    /// <summary>How long the ramdisk's data waits for a start that is still rebooting the node.</summary>
    private static readonly TimeSpan ProcessLockWait = TimeSpan.FromSeconds(90);

    public async Task<RamdiskReply> ProcessAsync(RamdiskCallback callback)
    {
        if (!await _lock.AcquireAsync(ProcessLockWait, time))
        {
            return RamdiskReply.Error(409, "Node is locked, please, retry later");
        }

        var handedOver = false;
        try
        {
            RamdiskData data;
            try
            {
                data = RamdiskData.Parse(callback.Utf8Json);
            }
            catch (RamdiskDataException e)
            {
                return RamdiskReply.Error(400, e.Message);
            }

            if (BeginProcessing(callback.Kind) is { } refused)
            {
                return refused;
            }

            if (callback.Kind == CallbackKind.Enrolled)
            {
                await SaveAsync(); // an enrolled machine shows as enrolling until processed
            }

            var context = new ProcessingContext(Uuid, data);
            pipeline.BeforeProcessing(context);
            await ramdiskLogs.StoreAsync(data, Uuid);
            if (context.Failures.Count > 0)
            {
                // A ramdisk error ends the introspection at once (the reference left it waiting).
                var message = string.Join("\n", context.Failures);
                State.State = IntrospectionState.Processing;
                await FinishAsync(IntrospectionEvent.Error, message);
                return RamdiskReply.Error(400, message);
            }

            var current = State.State!.Value;
            if (!IntrospectionStateMachine.TryFire(current, IntrospectionEvent.Process, out var next))
            {
                var message = IntrospectionStateMachine.InvalidEventMessage(current, IntrospectionEvent.Process);
                await FinishAsync(IntrospectionEvent.Error, message);
                return RamdiskReply.Error(400, message);
            }

            // The unprocessed data goes into the same commit as the processing state.
            var unprocessedSaved = processing.Value.StoresData
                ? dataStore.SaveAsync(Uuid, processed: false, callback.Utf8Json)
                : Task.CompletedTask;
            State.State = next;
            await SaveAsync(alongside: unprocessedSaved);

            if (callback.Kind == CallbackKind.Enrolled)
            {
                data.Data["auto_discovered"] = true;
            }

            var failure = await UpdateIronicAsync(context, reapplying: false);
            if (failure is not null)
            {
                return failure;
            }

            if (State.NewIpmiCredentials is { } credentials)
            {
                // The ramdisk sets the credentials after this answer; check them in the background.
                handedOver = true;
                _ = ValidateNewCredentialsAsync();
                return new RamdiskReply(200, Uuid, null, credentials.Username, credentials.Password);
            }

            await PowerOffAfterProcessingAsync(context.RequireNode());
            await FinishAsync(IntrospectionEvent.Finish, null);
            return new RamdiskReply(200, Uuid, null);
        }
        catch (Exception e) when (e is IronicException or ProcessingException)
        {
            await FinishAsync(IntrospectionEvent.Error, e.Message);
            return RamdiskReply.Error(e is IronicException { StatusCode: null } ? 503 : 400, e.Message);
        }
        catch (Exception e)
        {
            // A defect must not leave the node in processing until the timeout.
            logger.LogError(e, "Processing the data of node {Node} failed", Uuid);
            await TryFinishAfterFailureAsync(e);
            return RamdiskReply.Error(500, $"Internal error while processing the data of node {Uuid}: {e.Message}");
        }
        finally
        {
            if (!handedOver)
            {
                _lock.Release();
            }
        }
    }

    public async Task<CommandResult> ReapplyAsync(string? unprocessedJson)
    {
        if (!processing.Value.StoresData)
        {
            return CommandResult.Invalid(
                "Inspector is not configured to store data. Set the [processing]store_data configuration option to change this.");
        }

        if (State.State is not { } current)
        {
            return NotInCache();
        }

        if (!_lock.TryAcquire())
        {
            return CommandResult.Locked();
        }

        var handedOver = false;
        try
        {
            if (!IntrospectionStateMachine.TryFire(current, IntrospectionEvent.Reapply, out var next))
            {
                return CommandResult.Invalid(IntrospectionStateMachine.InvalidEventMessage(current, IntrospectionEvent.Reapply));
            }

            var json = unprocessedJson ?? await dataStore.GetAsync(Uuid, processed: false);
            if (json is null)
            {
                return CommandResult.Invalid($"No unprocessed introspection data is stored for node {Uuid}");
            }

            RamdiskData data;
            try
            {
                data = RamdiskData.Parse(json);
            }
            catch (RamdiskDataException e)
            {
                return CommandResult.Invalid(e.Message);
            }

            if (unprocessedJson is not null)
            {
                await dataStore.SaveAsync(Uuid, processed: false, Encoding.UTF8.GetBytes(unprocessedJson));
            }

            // The previous finished_at stays while reapplying; started_at moves.
            State.StartedAt = Timestamps.Now(time);
            State.State = next;
            await SaveAsync();
            handedOver = true;
            _ = ReapplyInBackgroundAsync(data);
            return CommandResult.Accepted;
        }
        finally
        {
            if (!handedOver)
            {
                _lock.Release();
            }
        }
    }

    /// <summary>Checks the node may take data now; prepares the state for the other kinds of callback.</summary>
    private RamdiskReply? BeginProcessing(CallbackKind kind)
    {
        var running = State.State is not null && State.FinishedAt is null;
        switch (kind)
        {
            case CallbackKind.Introspection when !running:
                return RamdiskReply.Error(403, State.FinishedAt is { } finishedAt
                    ? $"Introspection for node {Uuid} already finished on {Timestamps.Format(finishedAt)}; the node is not on introspection"
                    : $"Node {Uuid} is not on introspection");
            case CallbackKind.ActiveNode when !running:
                State.State = IntrospectionState.Waiting;
                break;
            case CallbackKind.Enrolled:
                State.State = IntrospectionState.Enrolling;
                break;
            default:
                return null;
        }

        // Processed without a start: this processing is the whole introspection.
        State.StartedAt = Timestamps.Now(time);
        State.FinishedAt = null;
        State.Error = null;
        State.ManageBoot = false;
        State.NewIpmiCredentials = null;
        return null;
    }

    /// <summary>Runs the before-update hooks and sends the changes to Ironic; a reply when that fails.</summary>
    private async Task<RamdiskReply?> UpdateIronicAsync(ProcessingContext context, bool reapplying)
    {
        var node = await ironic.GetNodeAsync(Uuid);
        if (node is null)
        {
            var message = $"Node {Uuid} was not found in Ironic";
            await FinishAsync(IntrospectionEvent.Error, message);
            return RamdiskReply.Error(404, message);
        }

        // Checked again, as the reference does: the node may have been deployed or otherwise
        // moved on while its ramdisk ran, and then Ironic must not be changed. Reapply does not check.
        if (!reapplying && CheckProvisionState(node) is { } invalid)
        {
            await FinishAsync(IntrospectionEvent.Error, invalid);
            return RamdiskReply.Error(400, invalid);
        }

        context.Node = node;
        context.Ports = await ironic.GetPortsAsync(Uuid);
        context.Update = new NodeUpdate(node, processing.Value.OverwriteExisting);
        pipeline.BeforeUpdate(context);

        // As the reference: the processed data is stored before the rules run, and a rule that
        // fails the introspection keeps what the hooks and the rules before it changed, so the
        // operator can look at both.
        var processed = context.Data.Data;
        processed.Remove("logs");
        if (context.Data.IsFlat)
        {
            // Ironic reads the inventory back from the processed data.
            processed["inventory"] = context.Data.Inventory.DeepClone();
        }

        // Its commit runs while the rules and the Ironic update do; it is awaited before this
        // returns, so it is durable before any state that follows (finished or error) is written.
        var processedSaved = processing.Value.StoresData
            ? dataStore.SaveAsync(Uuid, processed: true, JsonSerializer.SerializeToUtf8Bytes(processed))
            : Task.CompletedTask;
        try
        {
            try
            {
                RulesEngine.Apply(await rules.GetAsync(), context);
            }
            catch (ProcessingException)
            {
                await pipeline.ApplyAsync(ironic, Uuid, context.Update);
                throw;
            }

            if (!reapplying && State.NewIpmiCredentials is { } credentials)
            {
                context.Update.Set("/driver_info/ipmi_username", credentials.Username);
                context.Update.Set("/driver_info/ipmi_password", credentials.Password);
                if (context.Data.BmcAddress is { } bmc)
                {
                    context.Update.Set("/driver_info/ipmi_address", bmc);
                }
            }

            await pipeline.ApplyAsync(ironic, Uuid, context.Update);
        }
        finally
        {
            await processedSaved;
        }

        return null;
    }

    private async Task PowerOffAfterProcessingAsync(IronicNode node)
    {
        if (State.ManageBoot && processing.Value.PowerOff && !node.IsActive)
        {
            try
            {
                await ironic.SetPowerStateAsync(Uuid, "power off");
            }
            catch (IronicException e)
            {
                throw new ProcessingException($"Failed to power off node {Uuid}, check its power management configuration: {e.Message}");
            }
        }
    }

    private async Task ReapplyInBackgroundAsync(RamdiskData data)
    {
        try
        {
            var context = new ProcessingContext(Uuid, data);
            pipeline.BeforeProcessing(context);
            if (context.Failures.Count > 0)
            {
                await FinishAsync(IntrospectionEvent.Error,
                    "Pre-processing failures detected reapplying introspection on stored data:\n" + string.Join("\n", context.Failures),
                    releaseLock: true);
                return;
            }

            if (await UpdateIronicAsync(context, reapplying: true) is null)
            {
                // Reapplying never powers the node off: it may be in use.
                await FinishAsync(IntrospectionEvent.Finish, null, releaseLock: true);
            }
        }
        catch (Exception e) when (e is IronicException or ProcessingException)
        {
            await FinishAsync(IntrospectionEvent.Error, e.Message, releaseLock: true);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Reapplying processing on node {Node} failed", Uuid);
            await TryFinishAfterFailureAsync(e);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Waits until Ironic can manage the BMC with the credentials the ramdisk has set.</summary>
    private async Task ValidateNewCredentialsAsync()
    {
        try
        {
            DelayDeactivation(TimeSpan.FromMinutes(30));
            var deadline = time.GetUtcNow() + TimeSpan.FromSeconds(processing.Value.IpmiCredentialsValidationTimeout);
            while (true)
            {
                var validation = await ironic.ValidateAsync(Uuid, "power");
                if (validation.Result)
                {
                    await FinishAsync(IntrospectionEvent.Finish, null, releaseLock: true);
                    return;
                }

                if (time.GetUtcNow() >= deadline)
                {
                    await FinishAsync(IntrospectionEvent.Error,
                        $"Failed to validate updated IPMI credentials for node {Uuid}, node might require maintenance: {validation.Reason}",
                        releaseLock: true);
                    return;
                }

                await Task.Delay(TimeSpan.FromSeconds(2), time);
            }
        }
        catch (IronicException e)
        {
            await FinishAsync(IntrospectionEvent.Error,
                $"Failed to validate updated IPMI credentials for node {Uuid}, node might require maintenance: {e.Message}",
                releaseLock: true);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Validating new IPMI credentials of node {Node} failed", Uuid);
            await TryFinishAfterFailureAsync(e);
        }
        finally
        {
            _lock.Release();
        }
    }
}
