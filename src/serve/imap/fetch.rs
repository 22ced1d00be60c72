//! FETCH and UID FETCH (RFC 3501 6.4.5): the messages a set names, in chunks, each whole
//! message got once per chunk ([`super::mime`]); a BODY[…] that is not PEEK marks the message
//! read, through the journal as any local change.

use imap_next::imap_types::core::Tag;
use imap_next::imap_types::fetch::{MacroOrMessageDataItemNames, MessageDataItemName};
use imap_next::imap_types::response::Data;
use imap_next::imap_types::sequence::SequenceSet;

use super::fetch_items::{Wanted, items};
use super::session::{Reply, Session, no, ok};
use crate::model::{LocalChange, MailEdit};

impl Session {
    pub async fn fetch(
        &mut self,
        tag: &Tag<'static>,
        set: &SequenceSet,
        names: MacroOrMessageDataItemNames<'static>,
        uid: bool,
    ) -> Reply {
        let mut names: Vec<MessageDataItemName<'static>> = match names {
            MacroOrMessageDataItemNames::Macro(m) => m.expand().into_iter().map(own).collect(),
            MacroOrMessageDataItemNames::MessageDataItemNames(v) => v,
        };
        if uid && !names.contains(&MessageDataItemName::Uid) {
            names.insert(0, MessageDataItemName::Uid);
        }
        let wanted = Wanted::of(&names);
        let (Some(account), Some(db), Some(view)) =
            (self.account.clone(), self.db.as_mut(), self.view.as_mut())
        else {
            return Reply {
                data: Vec::new(),
                status: no(tag, "select a mailbox first"),
            };
        };
        let targets = view.select(set, uid);
        let mut data: Vec<Data<'static>> = Vec::new();
        let mut seen: Vec<LocalChange> = Vec::new();
        let mut unavailable = 0usize;
        for chunk in targets.chunks(50) {
            let mimes = if wanted.mime {
                let ids: Vec<i64> = chunk
                    .iter()
                    .filter(|&&i| !view.msgs[i].gone)
                    .map(|&i| view.msgs[i].item_id)
                    .collect();
                let after = chunk.last().map_or(0, |&i| i + 1);
                let ahead: Vec<i64> = view.msgs[after.min(view.msgs.len())..]
                    .iter()
                    .take(50)
                    .map(|m| m.item_id)
                    .collect();
                match account.mime.get(db, &ids, &ahead).await {
                    Ok(m) => m,
                    Err(e) => {
                        return Reply {
                            data,
                            status: no(tag, &format!("[UNAVAILABLE] {e}")),
                        };
                    }
                }
            } else {
                Default::default()
            };
            for &i in chunk {
                let mime = mimes.get(&view.msgs[i].item_id).map(Vec::as_slice);
                if wanted.mime && mime.is_none() {
                    unavailable += 1;
                    continue;
                }
                if wanted.sets_seen && !view.msgs[i].flags.seen && !view.read_only {
                    view.msgs[i].flags.seen = true;
                    seen.push(LocalChange::Mail {
                        item: view.msgs[i].item_id,
                        edit: MailEdit {
                            read: Some(true),
                            ..MailEdit::default()
                        },
                    });
                }
                if let Some(d) = items(&names, i, &view.msgs[i], mime, wanted.sets_seen) {
                    data.push(d);
                }
            }
        }
        if !seen.is_empty()
            && let Err(e) = crate::sync::local::record(db, seen, "imap")
        {
            tracing::warn!("imap: marking fetched messages read failed: {e}");
        }
        let status = if unavailable > 0 {
            no(
                tag,
                &format!(
                    "[UNAVAILABLE] {unavailable} message(s) are not in the mirror and the server \
                     did not send them (moved or deleted meanwhile?)"
                ),
            )
        } else {
            ok(tag, "FETCH done")
        };
        Reply { data, status }
    }
}

fn own(n: MessageDataItemName<'_>) -> MessageDataItemName<'static> {
    use imap_next::imap_types::IntoStatic as _;
    n.into_static()
}
