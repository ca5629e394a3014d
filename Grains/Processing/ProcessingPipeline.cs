using Inspector.Grains.Configuration;
using Inspector.Grains.Ironic;
using Inspector.Grains.Processing.Hooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inspector.Grains.Processing;

/// <summary>The processing hooks of <c>[processing] processing_hooks</c>, in order, and how their result reaches Ironic.</summary>
public sealed class ProcessingPipeline
{
    /// <summary>Every hook this service has, by the name used in the configuration.</summary>
    public static readonly IReadOnlyDictionary<string, Type> KnownHooks = new Dictionary<string, Type>
    {
        ["ramdisk_error"] = typeof(RamdiskErrorHook),
        ["root_disk_selection"] = typeof(RootDiskSelectionHook),
        ["scheduler"] = typeof(SchedulerHook),
        ["validate_interfaces"] = typeof(ValidateInterfacesHook),
        ["capabilities"] = typeof(CapabilitiesHook),
        ["pci_devices"] = typeof(PciDevicesHook),
        ["lldp_basic"] = typeof(LldpBasicHook),
        ["local_link_connection"] = typeof(LocalLinkConnectionHook),
        ["extra_hardware"] = typeof(ExtraHardwareHook),
        ["physnet_cidr_map"] = typeof(PhysnetCidrMapHook),
        ["raid_device"] = typeof(RaidDeviceHook),
        ["accelerators"] = typeof(AcceleratorsHook),
    };

    private readonly ILogger<ProcessingPipeline> _logger;

    public ProcessingPipeline(IServiceProvider services, IOptions<ProcessingOptions> options, ILogger<ProcessingPipeline> logger)
    {
        _logger = logger;
        Hooks = [.. ValidatedHookNames(options.Value).Select(name => (IProcessingHook)ActivatorUtilities.CreateInstance(services, KnownHooks[name]))];
    }

    public IReadOnlyList<IProcessingHook> Hooks { get; }

    /// <summary>The configured hook names; an unknown name stops start-up.</summary>
    public static IReadOnlyList<string> ValidatedHookNames(ProcessingOptions options)
    {
        var names = options.EffectiveHooks();
        var unknown = names.Where(n => !KnownHooks.ContainsKey(n)).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidConfigurationException(
                $"Invalid value for option [processing] processing_hooks: unknown hook(s) {string.Join(", ", unknown)}; " +
                $"known hooks are {string.Join(", ", KnownHooks.Keys)}");
        }

        return [.. names.Distinct()];
    }

    /// <summary>Every hook's before-processing phase; failures are collected in the context.</summary>
    public void BeforeProcessing(ProcessingContext context)
    {
        foreach (var hook in Hooks)
        {
            try
            {
                hook.BeforeProcessing(context);
            }
            catch (ProcessingException e)
            {
                context.Failures.Add($"Preprocessing hook {hook.Name}: {e.Message}");
            }
        }
    }

    /// <summary>Every hook's before-update phase; the first failure ends processing.</summary>
    public void BeforeUpdate(ProcessingContext context)
    {
        foreach (var hook in Hooks)
        {
            hook.BeforeUpdate(context);
        }
    }

    /// <summary>Sends the collected changes: one node patch, then the port changes.</summary>
    public async Task ApplyAsync(IronicClient ironic, string nodeUuid, NodeUpdate update, CancellationToken ct = default)
    {
        var patch = update.NodePatch();
        if (patch.Count > 0)
        {
            await ironic.PatchNodeAsync(nodeUuid, patch, update.ResetInterfaces, ct);
        }

        foreach (var trait in update.TraitsToAdd)
        {
            await ironic.AddTraitAsync(nodeUuid, trait, ct);
        }

        foreach (var trait in update.TraitsToRemove)
        {
            await ironic.RemoveTraitAsync(nodeUuid, trait, ct);
        }

        foreach (var port in update.PortsToCreate)
        {
            try
            {
                await ironic.CreatePortAsync(nodeUuid, port.ToJson(), ct);
            }
            catch (IronicException e) when (e.StatusCode == 409)
            {
                // The MAC belongs to another node's port; the reference warns and goes on.
                _logger.LogWarning("Node {Node}: port {Mac} already exists: {Error}", nodeUuid, port.Address, e.Message);
            }
        }

        foreach (var (portUuid, portPatch) in update.PortPatches)
        {
            await ironic.PatchPortAsync(portUuid, portPatch, ct);
        }

        foreach (var portUuid in update.PortsToDelete)
        {
            await ironic.DeletePortAsync(portUuid, ct);
        }
    }
}
