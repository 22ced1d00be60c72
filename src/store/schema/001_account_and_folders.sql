-- easync store, migration 1: the account's protocol state and its folders.
-- Documented for users in docs/schema.md; never edit a released migration, add a new one.

-- One row: what the account negotiated with its server. Written by the sync engine only.
CREATE TABLE account (
    id                INTEGER PRIMARY KEY CHECK (id = 1),
    device_id         TEXT,             -- DeviceId sent with every request (stable per install)
    protocol_version  TEXT,             -- negotiated EAS version, e.g. '16.1'
    base_url          TEXT,             -- EAS URL after 451 redirects
    policy_key        INTEGER,          -- provisioning policy key (NULL: not provisioned)
    foldersync_key    TEXT,             -- FolderSync SyncKey ('0' or NULL: hierarchy unknown)
    throttle_until    INTEGER,          -- Unix time before which no request may be sent
    updated_at        INTEGER NOT NULL DEFAULT (unixepoch())
) STRICT;

INSERT INTO account (id) VALUES (1);

-- The folder hierarchy as FolderSync reported it.
CREATE TABLE folders (
    id           INTEGER PRIMARY KEY,
    server_id    TEXT NOT NULL UNIQUE,  -- the server's CollectionId
    parent_id    TEXT,                  -- the parent's server_id; NULL at the top level
    name         TEXT NOT NULL,
    type         INTEGER NOT NULL,      -- EAS folder type (2 Inbox, 3 Drafts, 8 Calendar, 9 Contacts, 12 mail…)
    class        TEXT,                  -- 'Email', 'Contacts', 'Calendar', 'Tasks', 'Notes' or NULL
    sync_key     TEXT NOT NULL DEFAULT '0',
    filter_type  INTEGER,               -- FilterType used for this folder (kept constant)
    last_sync    INTEGER,               -- Unix time of the last completed Sync
    created_at   INTEGER NOT NULL DEFAULT (unixepoch())
) STRICT;

CREATE INDEX folders_parent ON folders (parent_id);
