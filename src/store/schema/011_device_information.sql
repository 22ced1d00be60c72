-- easync store, migration 11: whether the server has been told what this device is.
-- DeviceInformation (model, OS, user agent: MS-ASCMD 2.2.3.45) rides in the first Provision
-- request on 14.1 and later (MS-ASPROV 3.1.5.1.1); a server without a policy never sees that
-- request, and 12.x/14.0 have no DeviceInformation in Provision, so easync sends it once in a
-- Settings command after the first FolderSync (MS-ASCMD 2.2.1.18, 3.1.5.2). The Unix time it
-- was sent (or known to have been, through Provision); NULL: not yet.
ALTER TABLE account ADD COLUMN device_described_at INTEGER;
