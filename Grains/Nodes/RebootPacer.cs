using Inspector.Grains.Configuration;
using Microsoft.Extensions.Options;

namespace Inspector.Grains.Nodes;

/// <summary>
/// Spaces out the reboots of nodes by <c>[DEFAULT] introspection_delay</c>, as the reference
/// does, so a fleet started at once does not power-cycle every server in the same second
/// (power draw, DHCP storms). Per silo: each silo paces the nodes it hosts.
/// </summary>
public sealed class RebootPacer(IOptions<DefaultOptions> options, TimeProvider time)
{
    private readonly Lock _gate = new();
    private DateTimeOffset _lastSlot = DateTimeOffset.MinValue;

    /// <summary>Reserves the next reboot slot and returns how long to wait for it.</summary>
    public TimeSpan ReserveSlot()
    {
        var delay = TimeSpan.FromSeconds(options.Value.IntrospectionDelay);
        var now = time.GetUtcNow();
        lock (_gate)
        {
            var slot = _lastSlot == DateTimeOffset.MinValue || _lastSlot + delay <= now ? now : _lastSlot + delay;
            _lastSlot = slot;
            return slot - now;
        }
    }
}
