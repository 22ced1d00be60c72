-- easync store, migration 8: the outbox (easync send).
-- A message is written here, whole, before easync tries to send it: from then on it is either
-- on the server or still here. It is sent with SendMail, SmartReply or SmartForward (MS-ASCMD
-- 2.2.1.17, .20, .19) under its `client_id`, the same on every attempt, so that the server
-- recognises a resend after a crash or a lost answer (2.2.3.28.1; Status 118) and delivers it
-- once. The row goes in the transaction that records the server's acceptance.
CREATE TABLE outbox (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: an id names one message
    client_id      TEXT NOT NULL UNIQUE,               -- ComposeMail ClientId, ≤ 40 characters
    command        TEXT NOT NULL CHECK (command IN ('send', 'reply', 'forward')),
    -- A reply's or forward's original (MS-ASCMD 2.2.3.168 Source): folder and item ServerIds
    -- when it was queued, and the mirror's id of the item (NULL once it left the mirror).
    source_folder  TEXT,
    source_item    TEXT,
    source_item_id INTEGER REFERENCES items (id) ON DELETE SET NULL,
    replace_mime   INTEGER NOT NULL DEFAULT 0,  -- the message is whole: the server adds nothing
    save_in_sent   INTEGER NOT NULL DEFAULT 1,  -- SaveInSentItems
    message_id     TEXT,            -- its Message-ID: the same message queued twice is kept once
    mime           BLOB NOT NULL,   -- the RFC 5322 message as sent
    recipients     TEXT NOT NULL,   -- JSON array of the addresses it goes to
    subject        TEXT,
    -- 'queued': waits for the server (sent by easync send, sync and watch); 'failed': the
    -- server refused it (status, error say why); `easync send --retry ID` queues it again.
    state          TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'failed')),
    attempts       INTEGER NOT NULL DEFAULT 0,  -- requests that carried it
    status         INTEGER,         -- the server's last status for it
    error          TEXT,            -- why the last attempt failed, in words
    created_at     INTEGER NOT NULL DEFAULT (unixepoch()),
    updated_at     INTEGER NOT NULL DEFAULT (unixepoch())
) STRICT;

CREATE INDEX outbox_message_id ON outbox (message_id);
