-- Node grains' state, and the status index built from it in the same row: list order
-- (started_at desc, uuid desc), the state filter and the unfinished introspections.
-- UUIDs compare byte-wise (COLLATE "C") whatever the database's locale, as in SQLite.
CREATE TABLE IF NOT EXISTS nodes (
    uuid        text        COLLATE "C" NOT NULL PRIMARY KEY,
    etag        bigint      NOT NULL,
    state       text        NOT NULL,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz NULL,
    error       text        NULL,
    body        text        NOT NULL  -- the node grain's state as JSON (NodeStateJson)
);
CREATE INDEX IF NOT EXISTS nodes_newest_first ON nodes (started_at DESC, uuid DESC);
CREATE INDEX IF NOT EXISTS nodes_by_state ON nodes (state, started_at DESC, uuid DESC);
CREATE INDEX IF NOT EXISTS nodes_unfinished ON nodes (started_at) WHERE finished_at IS NULL;

-- The lookup index: MAC and BMC addresses of nodes on introspection, for the ramdisk callback.
CREATE TABLE IF NOT EXISTS lookup_attributes (
    name      text NOT NULL,
    value     text NOT NULL,
    node_uuid text COLLATE "C" NOT NULL REFERENCES nodes (uuid) ON DELETE CASCADE,
    PRIMARY KEY (name, value, node_uuid)
);
CREATE INDEX IF NOT EXISTS lookup_attributes_by_node ON lookup_attributes (node_uuid);
