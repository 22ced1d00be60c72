-- easync store, migration 7: the journal of local changes (two-way sync).
-- A change made here (easync mail read, a Maildir flag, an edited vCard…) is written to
-- `changes` first, in the same transaction as its effect on the mirror; it is sent with the
-- folder's next Sync (or MoveItems) and removed in the transaction that stores the server's
-- answer together with the folder's new SyncKey. What the server refused or overrode stays, as
-- a record the user can read (`easync changes`), retry or drop.
CREATE TABLE changes (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: an id names one change
    -- The item it changes; NULL for an Add (until the server answers), or when the item left
    -- the mirror before the change was sent (the change then fails, saying so).
    item_id           INTEGER REFERENCES items (id) ON DELETE SET NULL,
    folder_server_id  TEXT NOT NULL,   -- the item's folder when the change was made
    server_id         TEXT,            -- the item's ServerId then (for display)
    class             TEXT NOT NULL,   -- 'Email', 'Contacts', 'Calendar', 'Tasks'
    -- 'fetch': a dropped edit; the item is fetched again so the mirror shows the server's.
    kind              TEXT NOT NULL
                      CHECK (kind IN ('mail', 'move', 'delete', 'add', 'change', 'fetch')),
    payload           TEXT NOT NULL,   -- JSON: what to change (see docs/schema.md)
    client_id         TEXT UNIQUE,     -- an Add's ClientId: the same on every retry
    origin            TEXT NOT NULL,   -- 'cli', 'maildir', 'vdir', …
    summary           TEXT,            -- subject or name, for people
    -- 'added': an Add the server took (server_id is its new ServerId); the file it came from
    -- is adopted by the next export (not written a second time), then the row goes.
    state             TEXT NOT NULL DEFAULT 'pending'
                      CHECK (state IN ('pending', 'failed', 'conflict', 'added')),
    attempts          INTEGER NOT NULL DEFAULT 0,  -- requests that carried it
    unanswered        INTEGER NOT NULL DEFAULT 0,  -- responses that left it out (it fails at 5)
    status            INTEGER,         -- the server's last status for it
    error             TEXT,            -- why it failed, in words
    created_at        INTEGER NOT NULL DEFAULT (unixepoch()),
    updated_at        INTEGER NOT NULL DEFAULT (unixepoch())
) STRICT;

CREATE INDEX changes_pending ON changes (folder_server_id) WHERE state = 'pending';
CREATE INDEX changes_item ON changes (item_id);
