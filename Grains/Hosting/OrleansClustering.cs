using System.Net;
using Inspector.Grains.Configuration;
using Orleans.Configuration;

namespace Inspector.Grains.Hosting;

/// <summary>How silos and clients form a cluster on the PostgreSQL membership table.</summary>
public static class OrleansClustering
{
    /// <summary>The ADO.NET invariant of Npgsql, by which the Orleans AdoNet providers load it.</summary>
    public const string Invariant = "Npgsql";

    public static IPAddress AdvertisedAddress(OrleansOptions options) =>
        IPAddress.TryParse(options.AdvertisedAddress, out var address)
        && !address.Equals(IPAddress.Any) && !address.Equals(IPAddress.IPv6Any)
            ? address
            : throw new InvalidConfigurationException(
                $"Invalid value '{options.AdvertisedAddress}' for option [orleans] advertised_address: " +
                "expected the IP address other silos and clients reach this silo at");

    /// <summary>
    /// Failure detection: every silo probes others every <c>probe_timeout</c> seconds; after
    /// <c>missed_probes_limit</c> missed probes in a row it votes the silo dead, and enough votes
    /// (at most half the live silos are needed) declare it dead. Orleans' defaults (5 s x 3) leave
    /// a dead silo's nodes unreachable for 15 s or more; ours take about 3 s. A silo that pauses
    /// longer than that (a long GC, a starved machine) is evicted and restarts as a new one.
    /// </summary>
    public static void Configure(ClusterMembershipOptions membership, OrleansOptions options)
    {
        membership.ProbeTimeout = TimeSpan.FromSeconds(options.ProbeTimeout);
        membership.NumMissedProbesLimit = options.MissedProbesLimit;
        membership.NumVotesForDeathDeclaration = options.VotesForDeathDeclaration;
        // Votes older than this no longer count; several probe rounds must fit in it.
        membership.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(Math.Max(10, options.ProbeTimeout * options.MissedProbesLimit * 4));
        // Silos also re-read the table this often, in case they missed a gossip message.
        membership.TableRefreshTimeout = TimeSpan.FromSeconds(Math.Max(5, options.ProbeTimeout * 5));
    }
}
