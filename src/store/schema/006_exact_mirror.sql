-- easync store, migration 6: what applying real servers' changes exactly needs.

-- A change sequence: every transaction that changes items takes the next number, and the rows
-- it touches carry it. Hooks, events and exports compare against it (rowids can be reused).
ALTER TABLE account ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE items ADD COLUMN created_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE items ADD COLUMN changed_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deletions ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX items_changed_seq ON items (changed_seq);

-- A resync in flight (Status 3, a new FilterType, a folder the server renumbered): 1 until the
-- server has sent the whole folder again. Items held before it began are `resync_pending`
-- until the server sends them again; those still pending when it completes are swept then
-- (marked soft-deleted), never at its start.
ALTER TABLE folders ADD COLUMN resync INTEGER NOT NULL DEFAULT 0;
-- 1: a complete FolderSync listing from key 0 (Status 9, a server that lost this device's
-- state) did not list the folder: kept with its items, never deleted for that, not synced.
ALTER TABLE folders ADD COLUMN orphaned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE items ADD COLUMN resync_pending INTEGER NOT NULL DEFAULT 0;

-- What identifies an item by content when the server re-sends it under a new ServerId (a
-- folder renumbered, a device the server forgot): class and a few fields, joined by U+001F.
ALTER TABLE items ADD COLUMN match_key TEXT;
CREATE INDEX items_match ON items (folder_id, match_key) WHERE resync_pending = 1;
UPDATE items SET match_key = (
    SELECT 'Email' || char(31) || coalesce(e.subject, '') || char(31) || coalesce(e.sender, '')
        || char(31) || coalesce(e.date_received, '')
    FROM emails e WHERE e.item_id = items.id) WHERE class = 'Email';
UPDATE items SET match_key = (
    SELECT 'Calendar' || char(31) || coalesce(v.uid, '') || char(31) || coalesce(v.subject, '')
        || char(31) || coalesce(v.start_time, '')
    FROM events v WHERE v.item_id = items.id) WHERE class = 'Calendar';
UPDATE items SET match_key = (
    SELECT 'Contacts' || char(31) || coalesce(c.file_as, '') || char(31)
        || coalesce(c.first_name, '') || char(31) || coalesce(c.last_name, '')
    FROM contacts c WHERE c.item_id = items.id) WHERE class = 'Contacts';
UPDATE items SET match_key = (
    SELECT 'Tasks' || char(31) || coalesce(t.subject, '') || char(31) || coalesce(t.due_date, '')
    FROM tasks t WHERE t.item_id = items.id) WHERE class = 'Tasks';

-- An item the server sent that easync could not type: `raw` is kept as received, with why.
ALTER TABLE items ADD COLUMN decode_error TEXT;

-- 16.x changes and cancellations of one occurrence of a series (a Change or Delete with an
-- InstanceId): kept on their own and laid over the series' `exceptions` on every rewrite.
CREATE TABLE occurrences (
    item_id         INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    original_start  TEXT NOT NULL,   -- the InstanceId: the occurrence's original start
    exception       TEXT NOT NULL,   -- JSON, as an entry of events.exceptions
    PRIMARY KEY (item_id, original_start)
) STRICT;
