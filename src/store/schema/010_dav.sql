-- easync store, migration 10: what easync serve's CalDAV/CardDAV side has shown (RFC 4791,
-- RFC 6352, RFC 6578). One row per resource a client has been able to see: its collection (a
-- Calendar, Tasks or Contacts folder), its name (the last segment of its href, kept when the
-- server gives a new item its ServerId), the item or the journal's pending Add behind it, its
-- ETag, and the number of the last change to it. A sync-collection token is such a number: what
-- changed since is the rows of the collection with a larger one (removed resources keep their
-- row, with no ETag), so tokens stay valid across restarts.
CREATE TABLE dav_resources (
    id                INTEGER PRIMARY KEY,
    folder_server_id  TEXT NOT NULL,
    name              TEXT NOT NULL,
    -- The item shown; NULL for an Add the server has not taken yet (change_id) or when gone.
    item_id           INTEGER UNIQUE REFERENCES items (id) ON DELETE SET NULL,
    -- The journal's Add (changes.id) shown until the server has taken it.
    change_id         INTEGER UNIQUE,
    etag              TEXT,            -- NULL: removed
    -- The UID its client wrote, for a contact or task the client created: EAS keeps none for
    -- them, and the resource shows this one again once the server took it.
    uid               TEXT,
    seq               INTEGER NOT NULL,
    UNIQUE (folder_server_id, name)
) STRICT;

CREATE INDEX dav_resources_seq ON dav_resources (folder_server_id, seq);

-- The last change number given out (one row).
CREATE TABLE dav_state (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL
) STRICT;

INSERT INTO dav_state (id, seq) VALUES (1, 0);
