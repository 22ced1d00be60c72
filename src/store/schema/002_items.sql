-- easync store, migration 2: items, per class, with the raw ActiveSync data to write them back,
-- the journal of server-side deletions, and the full-text index of mail.

-- Every item the server sent, in its folder. `raw` is the item's ApplicationData as WBXML
-- (re-encodable: a Sync Change must carry the whole item).
CREATE TABLE items (
    id            INTEGER PRIMARY KEY,
    folder_id     INTEGER NOT NULL REFERENCES folders (id) ON DELETE CASCADE,
    server_id     TEXT NOT NULL,
    class         TEXT NOT NULL,
    raw           BLOB NOT NULL,
    soft_deleted  INTEGER NOT NULL DEFAULT 0,  -- 1: left the sync window (SoftDelete), not deleted
    updated_at    INTEGER NOT NULL DEFAULT (unixepoch()),
    UNIQUE (folder_id, server_id)
) STRICT;

CREATE TABLE emails (
    item_id          INTEGER PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
    subject          TEXT,
    sender           TEXT,     -- From
    recipients       TEXT,     -- To
    cc               TEXT,
    reply_to         TEXT,
    date_received    TEXT,     -- as the server sent it: 2024-11-21T10:01:00.000Z
    read             INTEGER,
    flag_status      INTEGER,  -- 0 cleared, 1 complete, 2 flagged
    importance       INTEGER,  -- 0 low, 1 normal, 2 high
    message_class    TEXT,
    categories       TEXT,     -- JSON array
    body_type        INTEGER,  -- 1 text, 2 HTML, 3 RTF, 4 MIME
    body             TEXT,
    body_truncated   INTEGER,
    preview          TEXT,
    attachments      TEXT,     -- JSON array of {name, file_reference, size, content_id, inline}
    conversation_id  BLOB
) STRICT;

CREATE TABLE contacts (
    item_id        INTEGER PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
    file_as        TEXT,
    first_name     TEXT,
    middle_name    TEXT,
    last_name      TEXT,
    company        TEXT,
    job_title      TEXT,
    emails         TEXT,   -- JSON array of addresses
    phones         TEXT,   -- JSON object kind → number
    birthday       TEXT
) STRICT;

CREATE TABLE events (
    item_id         INTEGER PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
    uid             TEXT,
    subject         TEXT,
    location        TEXT,
    start_time      TEXT,   -- UTC, as the server sent it: 20270115T100000Z
    end_time        TEXT,
    all_day         INTEGER,
    busy_status     INTEGER,
    organizer_email TEXT,
    recurring       INTEGER
) STRICT;

CREATE TABLE tasks (
    item_id       INTEGER PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
    subject       TEXT,
    due_date      TEXT,
    complete      INTEGER,
    importance    INTEGER
) STRICT;

CREATE TABLE notes (
    item_id        INTEGER PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
    subject        TEXT,
    last_modified  TEXT
) STRICT;

-- Items the server deleted, newest last; trimmed to the latest 1000.
CREATE TABLE deletions (
    id                INTEGER PRIMARY KEY,
    folder_server_id  TEXT NOT NULL,
    server_id         TEXT NOT NULL,
    class             TEXT NOT NULL,
    summary           TEXT,            -- subject or name, when known
    deleted_at        INTEGER NOT NULL DEFAULT (unixepoch())
) STRICT;

-- Full-text search of mail (FTS5 over the emails table).
CREATE VIRTUAL TABLE mail_fts USING fts5 (
    subject, sender, recipients, body, content = 'emails', content_rowid = 'item_id'
);
CREATE TRIGGER emails_fts_insert AFTER INSERT ON emails BEGIN
    INSERT INTO mail_fts (rowid, subject, sender, recipients, body)
    VALUES (new.item_id, new.subject, new.sender, new.recipients, new.body);
END;
CREATE TRIGGER emails_fts_delete AFTER DELETE ON emails BEGIN
    INSERT INTO mail_fts (mail_fts, rowid, subject, sender, recipients, body)
    VALUES ('delete', old.item_id, old.subject, old.sender, old.recipients, old.body);
END;
CREATE TRIGGER emails_fts_update AFTER UPDATE ON emails BEGIN
    INSERT INTO mail_fts (mail_fts, rowid, subject, sender, recipients, body)
    VALUES ('delete', old.item_id, old.subject, old.sender, old.recipients, old.body);
    INSERT INTO mail_fts (rowid, subject, sender, recipients, body)
    VALUES (new.item_id, new.subject, new.sender, new.recipients, new.body);
END;
