-- What ramdisks sent (processed = false) and what processing made of it (processed = true).
-- Kept as text, not jsonb: the API returns the document exactly as it was stored.
CREATE TABLE IF NOT EXISTS introspection_data (
    uuid      text    NOT NULL,
    processed boolean NOT NULL,
    data      text    NOT NULL,
    PRIMARY KEY (uuid, processed)
);
