-- Introspection rules in creation order, and a version every change bumps so that each
-- silo's rule cache notices changes with one cheap read.
CREATE TABLE IF NOT EXISTS rules (
    seq        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid       text        NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    body       text        NOT NULL
);
CREATE TABLE IF NOT EXISTS rules_version (
    id      integer NOT NULL PRIMARY KEY CHECK (id = 1),
    version bigint  NOT NULL
);
INSERT INTO rules_version (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
