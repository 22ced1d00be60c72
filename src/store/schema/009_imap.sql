-- easync store, migration 9: what easync serve's IMAP side (RFC 3501) keeps so that clients
-- can trust their caches: a UID per message and folder that is never given to another message,
-- UIDVALIDITY and UIDNEXT per folder, stable across restarts; the flags EAS cannot carry; and the
-- whole messages fetched from the server once (ItemOperations) for clients to read.

-- One row per mail folder an IMAP client has looked at.
CREATE TABLE imap_folders (
    folder_id     INTEGER PRIMARY KEY REFERENCES folders (id) ON DELETE CASCADE,
    uid_validity  INTEGER NOT NULL,  -- changes only if this row is made again
    uid_next      INTEGER NOT NULL,  -- the UID the next message gets
    local_seq     INTEGER NOT NULL DEFAULT 0  -- bumped when a client changes a local flag
) STRICT;

-- The UID of each message of such a folder. A message that leaves the folder loses its row; if
-- it comes back it gets a new UID (above every UID a client has seen), as RFC 3501 2.3.1.1 asks.
CREATE TABLE imap_uids (
    folder_id  INTEGER NOT NULL REFERENCES imap_folders (folder_id) ON DELETE CASCADE,
    uid        INTEGER NOT NULL,
    item_id    INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    -- Flags clients set that EAS has no place for (\Answered, \Deleted, $Forwarded, keywords),
    -- space-separated; \Seen and \Flagged live in the mail itself (read, flag_status).
    flags      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (folder_id, uid)
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX imap_uids_item ON imap_uids (folder_id, item_id);
CREATE INDEX imap_uids_items ON imap_uids (item_id);

-- Whole messages (RFC 5322) fetched for IMAP clients when the mirror keeps only text bodies.
CREATE TABLE imap_messages (
    item_id  INTEGER PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
    mime     BLOB NOT NULL
) STRICT;

-- Message-IDs of messages easync sent with the server keeping the copy in Sent Items: a mail
-- program's APPEND of the same message to Sent (its "copy to Sent") is answered OK without a
-- second copy. Kept 30 days.
CREATE TABLE imap_sent (
    message_id  TEXT PRIMARY KEY,
    sent_at     INTEGER NOT NULL DEFAULT (unixepoch())
) STRICT, WITHOUT ROWID;
