-- Orleans cluster membership (Microsoft.Orleans.Clustering.AdoNet, invariant "Npgsql").
-- The provider ships no PostgreSQL schema: it reads the text of each query it needs from
-- OrleansQuery (QueryKey, QueryText) at start-up and binds its parameters by name
-- (@DeploymentId is the cluster id). The tables behind those queries are ours.

-- One row per cluster: the membership version every change bumps (the table's ETag).
CREATE TABLE IF NOT EXISTS orleans_membership_version (
    deployment_id text        NOT NULL PRIMARY KEY,
    version       integer     NOT NULL DEFAULT 0,
    changed_at    timestamptz NOT NULL DEFAULT now()
);

-- One row per silo incarnation (address, port, generation).
CREATE TABLE IF NOT EXISTS orleans_membership (
    deployment_id   text        NOT NULL REFERENCES orleans_membership_version (deployment_id) ON DELETE CASCADE,
    address         text        NOT NULL,
    port            integer     NOT NULL,
    generation      integer     NOT NULL,
    silo_name       text        NOT NULL,
    host_name       text        NOT NULL,
    status          integer     NOT NULL,  -- Orleans SiloStatus; 3 = Active
    proxy_port      integer     NULL,      -- the gateway port clients connect to, 0 when none
    suspect_times   text        NULL,      -- "silo,time|silo,time" as the provider writes it
    start_time      timestamptz NOT NULL,
    i_am_alive_time timestamptz NOT NULL,
    PRIMARY KEY (deployment_id, address, port, generation)
);

CREATE TABLE IF NOT EXISTS OrleansQuery (
    QueryKey  varchar(64) NOT NULL PRIMARY KEY,
    QueryText text        NOT NULL
);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
-- Creates the cluster's version row; answers whether it was new.
('InsertMembershipVersionKey', $q$
    WITH created AS (
        INSERT INTO orleans_membership_version (deployment_id) VALUES (@DeploymentId)
        ON CONFLICT (deployment_id) DO NOTHING
        RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM created)
$q$),

-- Every silo of the cluster with the table version. The outer join yields one row (with null
-- silo columns) for a cluster without silos, which the provider reads as "version only".
('MembershipReadAllKey', $q$
    SELECT v.version AS "Version", m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
           m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort",
           m.suspect_times AS "SuspectTimes", m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime"
    FROM orleans_membership_version v
    LEFT JOIN orleans_membership m ON m.deployment_id = v.deployment_id
    WHERE v.deployment_id = @DeploymentId
$q$),

('MembershipReadRowKey', $q$
    SELECT v.version AS "Version", m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
           m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort",
           m.suspect_times AS "SuspectTimes", m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime"
    FROM orleans_membership_version v
    LEFT JOIN orleans_membership m ON m.deployment_id = v.deployment_id
        AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
    WHERE v.deployment_id = @DeploymentId
$q$),

-- Adds a silo if the table is still at the version the caller read (@Version, the ETag) and
-- bumps it. The version row is locked by the UPDATE, so concurrent writers serialise on it
-- and the loser sees a changed version: false, and the provider re-reads.
('InsertMembershipKey', $q$
    WITH bumped AS (
        UPDATE orleans_membership_version SET version = version + 1, changed_at = now()
        WHERE deployment_id = @DeploymentId AND version = @Version
          AND NOT EXISTS (SELECT 1 FROM orleans_membership
                          WHERE deployment_id = @DeploymentId AND address = @Address
                            AND port = @Port AND generation = @Generation)
        RETURNING deployment_id),
    inserted AS (
        INSERT INTO orleans_membership (deployment_id, address, port, generation, silo_name, host_name,
                                        status, proxy_port, start_time, i_am_alive_time)
        SELECT deployment_id, @Address, @Port, @Generation, @SiloName, @HostName,
               @Status, @ProxyPort, @StartTime, @IAmAliveTime
        FROM bumped
        RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM inserted)
$q$),

-- Changes a silo's status and suspicions under the same version check as the insert.
('UpdateMembershipKey', $q$
    WITH bumped AS (
        UPDATE orleans_membership_version SET version = version + 1, changed_at = now()
        WHERE deployment_id = @DeploymentId AND version = @Version
          AND EXISTS (SELECT 1 FROM orleans_membership
                      WHERE deployment_id = @DeploymentId AND address = @Address
                        AND port = @Port AND generation = @Generation)
        RETURNING deployment_id),
    updated AS (
        UPDATE orleans_membership m
        SET status = @Status, suspect_times = @SuspectTimes, i_am_alive_time = @IAmAliveTime
        FROM bumped b
        WHERE m.deployment_id = b.deployment_id AND m.address = @Address
          AND m.port = @Port AND m.generation = @Generation
        RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM updated)
$q$),

-- The heartbeat: not versioned, so it never conflicts with membership changes.
('UpdateIAmAlivetimeKey', $q$
    UPDATE orleans_membership SET i_am_alive_time = @IAmAliveTime
    WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
$q$),

-- Gateways of active silos (status 3), for clients.
('GatewaysQueryKey', $q$
    SELECT address AS "Address", proxy_port AS "ProxyPort", generation AS "Generation"
    FROM orleans_membership
    WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0
$q$),

('DeleteMembershipTableEntriesKey', $q$
    DELETE FROM orleans_membership_version WHERE deployment_id = @DeploymentId
$q$),

-- Forgets silos that are not active and have not been heard of since @IAmAliveTime.
('CleanupDefunctSiloEntriesKey', $q$
    DELETE FROM orleans_membership
    WHERE deployment_id = @DeploymentId AND i_am_alive_time < @IAmAliveTime AND status <> 3
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;
