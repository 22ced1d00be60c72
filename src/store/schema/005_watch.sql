-- easync store, migration 5: what `easync watch` learns about the network.
-- The Ping heartbeat (seconds) that last worked: raised after clean expiries, lowered when the
-- connection died before it; the next `easync watch` starts from it.
ALTER TABLE account ADD COLUMN ping_heartbeat INTEGER;
