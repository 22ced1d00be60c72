//! What can happen to the simulated mailbox while it runs (tests call these, the admin endpoint
//! exposes them, see [`super::admin`]):
//!
//! | operation | what a client sees next |
//! |---|---|
//! | [`Sim::add_items`] | `Add`s of generated items |
//! | [`Sim::set_item`] | a `Change` (the version moves on), `Delete` or `SoftDelete` |
//! | [`Sim::set_mail_flags`] | a `Change` of a mail's read flag, follow-up flag and categories |
//! | [`Sim::delete_items`] | `Delete`s of many items (spread over responses with `spread_deletions`) |
//! | [`Sim::add_folder`], [`Sim::delete_folder`] | FolderSync `Add` / `Delete` (a Sync of a deleted folder: Status 12) |
//! | [`Sim::recreate_folder`] | FolderSync `Delete` of the old id, `Add` of a new id holding the same items under new server ids |
//! | [`Sim::forget_device`] | the server lost the device's state: FolderSync Status 9, Sync of an old id Status 12, provisioning again, every folder under a new id with the same items |
//! | [`Sim::set_collection_status`] | that collection answers Status N, the others of the request normally |
//! | [`Sim::invalidate_sync_keys`], [`Sim::invalidate_hierarchy`] | Sync Status 3, FolderSync Status 9 |
//! | [`Sim::revoke_policies`] | HTTP 449 or Status 142/144: provision again |

use std::collections::HashMap;
use std::sync::Arc;

use super::mail::MailFlags;
use super::mailbox::{self, Folder, Kind, Mailbox};
use super::{Sim, SimError, State, layout, lock};

/// The folder id and index named by an item's server id.
fn split_server_id(mb: &Mailbox, server_id: &str) -> Result<(String, u32), SimError> {
    let folder = server_id.rsplit_once(':').map_or("", |(f, _)| f);
    let f = mb
        .folder(folder)
        .ok_or_else(|| SimError::NoFolder(folder.into()))?;
    let idx = f
        .idx_of(server_id)
        .ok_or_else(|| SimError::NoItem(server_id.into()))?;
    Ok((f.id.clone(), idx))
}

/// A new id for a folder re-created at `modseq`: `inbox` → `inbox.57`.
fn renamed(id: &str, modseq: u64) -> String {
    format!("{}.{modseq}", id.split('.').next().unwrap_or(id))
}

/// A copy of `f` as a new folder `id` under `parent`, created at `modseq`: the same items
/// (same content, the same indices, so new server ids), a generation no old key names.
fn copy_as(f: &Folder, id: &str, parent: &str, modseq: u64) -> Folder {
    let mut n = f.clone();
    (n.id, n.parent) = (id.into(), parent.into());
    (n.created, n.modseq, n.deleted) = (modseq, modseq, false);
    n.generation = f.generation + 1;
    for item in &mut n.items {
        // Every item is new to every device.
        (item.by, item.added_by) = (None, None);
    }
    n.client_ids.clear();
    n.resets.clear();
    n
}

impl Sim {
    /// Makes every device provision again (the next command gets 449 or Status 142/144).
    pub fn revoke_policies(&self) {
        for d in lock(&self.devices).values_mut() {
            d.policy_key = None;
        }
    }

    /// Adds `n` generated items to a folder (by id or display name); returns their server ids.
    pub fn add_items(&self, folder: &str, n: u32) -> Result<Vec<String>, SimError> {
        let mut mb = self.mailbox();
        let id = folder_id(&mb, folder)?;
        let mut ids = Vec::new();
        for _ in 0..n {
            let m = mb.next_modseq();
            let f = mb.folder_mut(&id).expect("found above");
            let idx = f.push(m, None, None);
            ids.push(f.server_id(idx));
        }
        let m = mb.modseq;
        drop(mb);
        self.notify(m);
        Ok(ids)
    }

    /// Changes, deletes or soft-deletes an item by server id.
    pub fn set_item(&self, server_id: &str, state: State) -> Result<(), SimError> {
        let mut mb = self.mailbox();
        let (folder, idx) = split_server_id(&mb, server_id)?;
        let m = mb.next_modseq();
        let f = mb.folder_mut(&folder).expect("found above");
        let ok = f.touch(idx, m, state, None);
        drop(mb);
        if !ok {
            return Err(SimError::NoItem(server_id.into()));
        }
        self.notify(m);
        Ok(())
    }

    /// Sets a mail's read flag, follow-up flag (active or cleared) and categories, as another
    /// device or the server's own user would: the mail changes (its version moves on) and its
    /// state is this from now on, whatever later changes do (see [`super::mail::flags`]).
    pub fn set_mail_flags(
        &self,
        server_id: &str,
        read: bool,
        flagged: bool,
        categories: Vec<String>,
    ) -> Result<(), SimError> {
        let mut mb = self.mailbox();
        let (folder, idx) = split_server_id(&mb, server_id)?;
        let m = mb.next_modseq();
        let f = mb.folder_mut(&folder).expect("found above");
        if f.kind != Kind::Mail {
            return Err(SimError::NotMail(server_id.into()));
        }
        if !f.touch(idx, m, State::Live, None) {
            return Err(SimError::NoItem(server_id.into()));
        }
        f.items[idx as usize - 1].flags = Some(Arc::new(MailFlags {
            read,
            flag_status: if flagged { 2 } else { 0 },
            categories,
        }));
        drop(mb);
        self.notify(m);
        Ok(())
    }

    /// Deletes the first `n` live items of a folder (by id or display name), one change each;
    /// returns their server ids.
    pub fn delete_items(&self, folder: &str, n: u32) -> Result<Vec<String>, SimError> {
        let mut mb = self.mailbox();
        let id = folder_id(&mb, folder)?;
        let live: Vec<u32> = {
            let f = mb.folder(&id).expect("found above");
            (1..=f.items.len() as u32)
                .filter(|&i| f.item(i).is_some_and(|it| it.state == State::Live))
                .take(n as usize)
                .collect()
        };
        let mut ids = Vec::new();
        for idx in live {
            let m = mb.next_modseq();
            let f = mb.folder_mut(&id).expect("found above");
            f.touch(idx, m, State::Deleted, None);
            ids.push(f.server_id(idx));
        }
        let m = mb.modseq;
        drop(mb);
        self.notify(m);
        Ok(ids)
    }

    /// Adds a folder under `parent` ("0" for the top); returns its id.
    pub fn add_folder(
        &self,
        parent: &str,
        name: &str,
        folder_type: u16,
    ) -> Result<String, SimError> {
        let kind = layout::kind_of(folder_type);
        let mut mb = self.mailbox();
        if parent != "0" && mb.folder(parent).is_none() {
            return Err(SimError::NoFolder(parent.into()));
        }
        let m = mb.next_modseq();
        let id = format!("f{m}");
        let mut f = mailbox::Folder::new(&id, parent, name, folder_type, kind);
        (f.created, f.modseq) = (m, m);
        mb.folders.push(f);
        drop(mb);
        self.notify(m);
        Ok(id)
    }

    /// Deletes a folder and everything below it.
    pub fn delete_folder(&self, id: &str) -> Result<(), SimError> {
        let mut mb = self.mailbox();
        mb.folder(id).ok_or_else(|| SimError::NoFolder(id.into()))?;
        let m = mb.next_modseq();
        let mut doomed = vec![id.to_string()];
        while let Some(next) = mb
            .folders
            .iter()
            .find(|f| !f.deleted && doomed.contains(&f.parent) && !doomed.contains(&f.id))
        {
            doomed.push(next.id.clone());
        }
        for f in mb.folders.iter_mut().filter(|f| doomed.contains(&f.id)) {
            (f.deleted, f.modseq) = (true, m);
        }
        drop(mb);
        self.notify(m);
        Ok(())
    }

    /// Deletes a folder and creates it again under a new id (`inbox` → `inbox.57`): the same
    /// name, type and parent, the same items with the same content under new server ids. Its
    /// subfolders move under the new id (a FolderSync `Update`). The next FolderSync shows
    /// `Delete` of the old id and `Add` of the new; a Sync of the old id gets Status 12.
    pub fn recreate_folder(&self, id: &str) -> Result<String, SimError> {
        let mut mb = self.mailbox();
        let pos = mb
            .folders
            .iter()
            .position(|f| f.id == id && !f.deleted)
            .ok_or_else(|| SimError::NoFolder(id.into()))?;
        let m = mb.next_modseq();
        let new_id = renamed(id, m);
        let old = &mut mb.folders[pos];
        let copy = copy_as(old, &new_id, &old.parent.clone(), m);
        (old.deleted, old.modseq) = (true, m);
        for f in mb
            .folders
            .iter_mut()
            .filter(|f| !f.deleted && f.parent == id)
        {
            (f.parent, f.modseq) = (new_id.clone(), m);
        }
        mb.folders.insert(pos + 1, copy);
        drop(mb);
        self.notify(m);
        Ok(new_id)
    }

    /// The server lost every device's state (the partnership was removed, the mailbox moved or
    /// was restored): every folder is re-created under a new id (same names, types, parents,
    /// items and content; new server ids), every FolderSync key is invalid (Status 9), a Sync of
    /// an old folder id gets Status 12 and every device must provision again.
    pub fn forget_device(&self) {
        let mut mb = self.mailbox();
        let m = mb.next_modseq();
        let live: Vec<usize> = (0..mb.folders.len())
            .filter(|&i| !mb.folders[i].deleted)
            .collect();
        let ids: HashMap<String, String> = live
            .iter()
            .map(|&i| (mb.folders[i].id.clone(), renamed(&mb.folders[i].id, m)))
            .collect();
        let copies: Vec<Folder> = live
            .iter()
            .map(|&i| {
                let f = &mb.folders[i];
                let parent = ids.get(&f.parent).unwrap_or(&f.parent);
                copy_as(f, &ids[&f.id], parent, m)
            })
            .collect();
        for &i in &live {
            (mb.folders[i].deleted, mb.folders[i].modseq) = (true, m);
        }
        mb.folders.extend(copies);
        mb.hierarchy_gen += 1;
        drop(mb);
        lock(&self.devices).clear();
        lock(&self.statuses).clear();
        self.notify(m);
    }

    /// Makes one collection answer Sync with Status `status` (8 server error, 5, 16, 4, 6…)
    /// while the other collections of the same request are answered normally; `None` ends it.
    pub fn set_collection_status(&self, folder_id: &str, status: Option<u16>) {
        let mut statuses = lock(&self.statuses);
        match status {
            Some(s) => statuses.insert(folder_id.to_string(), s),
            None => statuses.remove(folder_id),
        };
    }

    /// Makes every SyncKey of a folder invalid (the next Sync gets Status 3).
    pub fn invalidate_sync_keys(&self, folder: &str) -> Result<(), SimError> {
        let mut mb = self.mailbox();
        let f = mb
            .folder_mut(folder)
            .ok_or_else(|| SimError::NoFolder(folder.into()))?;
        f.generation += 1;
        Ok(())
    }

    /// Makes the FolderSync key invalid (the next FolderSync gets Status 9).
    pub fn invalidate_hierarchy(&self) {
        self.mailbox().hierarchy_gen += 1;
    }
}

/// The id of a folder named by id or display name.
fn folder_id(mb: &super::Mailbox, folder: &str) -> Result<String, SimError> {
    mb.find(folder)
        .map(|f| f.id.clone())
        .ok_or_else(|| SimError::NoFolder(folder.into()))
}
