//! The commands that change a mailbox (RFC 3501 6.4.6–6.4.8, RFC 6851): STORE, MOVE and
//! EXPUNGE. Each goes into the journal of local changes as `easync mail` does, in one
//! transaction with its effect on the mirror, before the client is answered.

use imap_next::imap_types::core::Tag;
use imap_next::imap_types::flag::{Flag, StoreType};
use imap_next::imap_types::mailbox::Mailbox as ImapMailbox;
use imap_next::imap_types::response::Data;
use imap_next::imap_types::sequence::SequenceSet;

use super::command::{mailbox_name, reply};
use super::names;
use super::session::{Reply, Session, no, ok};
use super::wire::{self, Flags};
use crate::model::{FlagEdit, LocalChange, MailEdit};

impl Session {
    pub(super) fn store(
        &mut self,
        tag: &Tag<'static>,
        set: &SequenceSet,
        kind: &StoreType,
        response: &imap_next::imap_types::flag::StoreResponse,
        flags: &[Flag<'_>],
        uid: bool,
    ) -> Reply {
        let (Some(db), Some(view)) = (self.db.as_mut(), self.view.as_mut()) else {
            return reply(no(tag, "select a mailbox first"));
        };
        if view.read_only {
            return reply(no(tag, "[READ-ONLY] the mailbox was opened with EXAMINE"));
        }
        let targets = view.select(set, uid);
        let mut changes = Vec::new();
        let mut data = Vec::new();
        for &i in &targets {
            let m = &view.msgs[i];
            if m.gone {
                continue;
            }
            let new = apply_flags(&m.flags, kind, flags);
            let mut edit = MailEdit::default();
            if new.seen != m.flags.seen {
                edit.read = Some(new.seen);
            }
            if new.flagged != m.flags.flagged {
                edit.flag = Some(if new.flagged {
                    FlagEdit::Flagged { due: None }
                } else {
                    FlagEdit::Cleared
                });
            }
            if edit != MailEdit::default() {
                changes.push(LocalChange::Mail {
                    item: m.item_id,
                    edit,
                });
            }
            if new.local != m.flags.local
                && let Err(e) = db.imap_set_local_flags(&view.folder, m.uid, &new.local_column())
            {
                return reply(no(tag, &format!("[UNAVAILABLE] {e}")));
            }
            view.msgs[i].flags = new;
            if matches!(response, imap_next::imap_types::flag::StoreResponse::Answer) {
                data.push(view.flags_data(i));
            }
        }
        if !changes.is_empty()
            && let Err(e) = crate::sync::local::record(db, changes, "imap")
        {
            return reply(no(tag, &format!("the change was not recorded: {e}")));
        }
        Reply {
            data,
            status: ok(tag, "STORE done"),
        }
    }

    pub(super) fn move_to(
        &mut self,
        tag: &Tag<'static>,
        set: &SequenceSet,
        mailbox: &ImapMailbox<'_>,
        uid: bool,
    ) -> Reply {
        let name = mailbox_name(mailbox);
        let boxes = self.mailboxes();
        let Some(dest) = names::find(&boxes, &name).cloned() else {
            return reply(no(tag, &format!("[TRYCREATE] no mail folder {name:?}")));
        };
        let (Some(db), Some(view)) = (self.db.as_mut(), self.view.as_mut()) else {
            return reply(no(tag, "select a mailbox first"));
        };
        if view.read_only {
            return reply(no(tag, "[READ-ONLY] the mailbox was opened with EXAMINE"));
        }
        if dest.folder == view.folder {
            return reply(ok(tag, "already there"));
        }
        let changes: Vec<LocalChange> = view
            .select(set, uid)
            .into_iter()
            .filter(|&i| !view.msgs[i].gone)
            .map(|i| LocalChange::Move {
                item: view.msgs[i].item_id,
                to_folder: dest.folder.clone(),
            })
            .collect();
        if let Err(e) = crate::sync::local::record(db, changes, "imap") {
            return reply(no(tag, &format!("the move was not recorded: {e}")));
        }
        Reply {
            data: self.updates(true),
            status: ok(tag, "MOVE done (sent to Exchange with the next sync)"),
        }
    }

    pub(super) fn expunge_reply(
        &mut self,
        tag: &Tag<'static>,
        only: Option<&SequenceSet>,
    ) -> Reply {
        match self.expunge(only) {
            Ok(data) => Reply {
                data,
                status: ok(tag, "EXPUNGE done"),
            },
            Err(e) => reply(no(tag, &e)),
        }
    }

    /// Deletes the messages flagged `\Deleted` (of `only`, for UID EXPUNGE): to Deleted Items,
    /// or for good in Deleted Items itself.
    pub(super) fn expunge(
        &mut self,
        only: Option<&SequenceSet>,
    ) -> Result<Vec<Data<'static>>, String> {
        let boxes = self.mailboxes();
        let (Some(db), Some(view)) = (self.db.as_mut(), self.view.as_mut()) else {
            return Ok(Vec::new());
        };
        if view.read_only {
            return Ok(Vec::new());
        }
        let hard = boxes
            .iter()
            .any(|b| b.folder == view.folder && b.is_trash());
        let chosen: Vec<usize> = match only {
            Some(set) => view.select(set, true),
            None => (0..view.msgs.len()).collect(),
        };
        let changes: Vec<LocalChange> = chosen
            .into_iter()
            .filter(|&i| view.msgs[i].flags.deleted() && !view.msgs[i].gone)
            .map(|i| LocalChange::Delete {
                item: view.msgs[i].item_id,
                hard,
            })
            .collect();
        if !changes.is_empty() {
            crate::sync::local::record(db, changes, "imap")
                .map_err(|e| format!("the deletion was not recorded: {e}"))?;
        }
        Ok(self.updates(true))
    }
}

/// The flags after STORE.
fn apply_flags(old: &Flags, kind: &StoreType, flags: &[Flag<'_>]) -> Flags {
    let mut new = match kind {
        StoreType::Replace => Flags::default(),
        _ => old.clone(),
    };
    let add = !matches!(kind, StoreType::Remove);
    for f in flags {
        match f {
            Flag::Seen => new.seen = add,
            Flag::Flagged => new.flagged = add,
            other => {
                let text = wire::flag_text(other);
                new.local.retain(|l| !l.eq_ignore_ascii_case(&text));
                if add {
                    new.local.push(text);
                }
            }
        }
    }
    new
}
