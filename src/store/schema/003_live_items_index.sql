-- easync store, migration 3: count a folder's live items from an index alone.
-- `easync sync` and `easync status` count items per folder; without this index the count reads
-- every row of the folder, raw ApplicationData included (seconds for a large mailbox).
CREATE INDEX items_live ON items (folder_id) WHERE soft_deleted = 0;
