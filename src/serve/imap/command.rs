//! The commands (RFC 3501 6) other than FETCH and SEARCH: sign-in, mailboxes, STORE, MOVE
//! and EXPUNGE. What changes the mailbox goes into the journal as the CLI's `easync mail`
//! changes do, in one transaction with its effect on the mirror.

use std::borrow::Cow;

use imap_next::imap_types::command::{Command, CommandBody};
use imap_next::imap_types::core::{Atom, QuotedChar, Tag};
use imap_next::imap_types::flag::{Flag, FlagNameAttribute, FlagPerm};
use imap_next::imap_types::mailbox::{ListMailbox, Mailbox as ImapMailbox};
use imap_next::imap_types::response::{Code, Data, Status};
use imap_next::imap_types::status::{StatusDataItem, StatusDataItemName};

use super::names::{self, Mailbox};
use super::session::{Reply, Session, bad, no, ok, ok_code};
use super::view::View;
use super::wire::{mutf7_decode, mutf7_encode, nz};

pub(super) fn reply(status: Status<'static>) -> Reply {
    Reply {
        data: Vec::new(),
        status,
    }
}

/// A mailbox argument as a UTF-8 name.
pub fn mailbox_name(m: &ImapMailbox<'_>) -> String {
    match m {
        ImapMailbox::Inbox => "INBOX".into(),
        ImapMailbox::Other(o) => {
            let raw = String::from_utf8_lossy(o.as_ref()).into_owned();
            mutf7_decode(&raw).unwrap_or(raw)
        }
    }
}

impl Session {
    /// Answers one command.
    pub async fn handle(&mut self, cmd: Command<'static>) -> Reply {
        let tag = cmd.tag.clone();
        let authed = self.db.is_some();
        let selected = self.view.is_some();
        let mut r = match cmd.body {
            CommandBody::Capability => Reply {
                data: vec![Data::Capability(
                    imap_next::imap_types::core::Vec1::try_from(super::session::capabilities())
                        .unwrap_or_else(|_| {
                            imap_next::imap_types::response::Capability::Imap4Rev1.into()
                        }),
                )],
                status: ok(&tag, "CAPABILITY done"),
            },
            CommandBody::Noop | CommandBody::Check => {
                let data = self.updates_if_changed(true);
                Reply {
                    data,
                    status: ok(&tag, "done"),
                }
            }
            CommandBody::Logout => {
                self.logout = true;
                if let Ok(bye) = Status::bye(None, "easync serve: goodbye") {
                    self.notes.push(bye);
                }
                Reply {
                    data: Vec::new(),
                    status: ok(&tag, "LOGOUT done"),
                }
            }
            CommandBody::Login { .. } if authed => reply(bad(&tag, "signed in already")),
            CommandBody::Login { username, password } => {
                let u = String::from_utf8_lossy(username.as_ref()).into_owned();
                let p = String::from_utf8_lossy(password.declassify().as_ref()).into_owned();
                reply(self.login(&tag, &u, &p))
            }
            _ if !authed => reply(bad(&tag, "sign in first (LOGIN or AUTHENTICATE PLAIN)")),
            CommandBody::Select { mailbox, .. } => self.select(&tag, &mailbox, false),
            CommandBody::Examine { mailbox, .. } => self.select(&tag, &mailbox, true),
            CommandBody::List {
                reference,
                mailbox_wildcard,
            } => self.list(&tag, &reference, &mailbox_wildcard, false),
            CommandBody::Lsub {
                reference,
                mailbox_wildcard,
            } => self.list(&tag, &reference, &mailbox_wildcard, true),
            CommandBody::Status {
                mailbox,
                item_names,
            } => self.status(&tag, &mailbox, &item_names),
            CommandBody::Subscribe { .. } | CommandBody::Unsubscribe { .. } => {
                reply(ok(&tag, "every folder is subscribed"))
            }
            CommandBody::Create { .. }
            | CommandBody::Delete { .. }
            | CommandBody::Rename { .. } => reply(no(
                &tag,
                "[CANNOT] folders are made, renamed and deleted on the Exchange side for now",
            )),
            CommandBody::Append {
                mailbox, message, ..
            } => {
                use imap_next::imap_types::extensions::binary::LiteralOrLiteral8 as L;
                let bytes: &[u8] = match &message {
                    L::Literal(l) => l.as_ref(),
                    L::Literal8(l) => l.data.as_ref(),
                };
                reply(self.append(&tag, &mailbox, bytes))
            }
            _ if !selected => reply(bad(&tag, "select a mailbox first")),
            CommandBody::Close | CommandBody::Unselect => {
                let expunge = matches!(cmd.body, CommandBody::Close);
                let data = if expunge {
                    self.expunge(None)
                } else {
                    Ok(Vec::new())
                };
                self.view = None;
                match data {
                    Ok(_) => reply(ok(&tag, "closed")),
                    Err(e) => reply(no(&tag, &e)),
                }
            }
            CommandBody::Expunge => self.expunge_reply(&tag, None),
            CommandBody::ExpungeUid { sequence_set } => {
                self.expunge_reply(&tag, Some(&sequence_set))
            }
            CommandBody::Fetch {
                sequence_set,
                macro_or_item_names,
                uid,
            } => {
                self.fetch(&tag, &sequence_set, macro_or_item_names, uid)
                    .await
            }
            CommandBody::Search { criteria, uid, .. } => self.search(&tag, &criteria, uid).await,
            CommandBody::Store {
                sequence_set,
                kind,
                response,
                flags,
                uid,
            } => {
                // From the flags as they are now, not as this client last saw them.
                let before = self.updates_if_changed(false);
                let mut r = self.store(&tag, &sequence_set, &kind, &response, &flags, uid);
                r.data.splice(0..0, before);
                r
            }
            CommandBody::Move {
                sequence_set,
                mailbox,
                uid,
            } => self.move_to(&tag, &sequence_set, &mailbox, uid),
            CommandBody::Copy { .. } => reply(no(
                &tag,
                "[CANNOT] Exchange ActiveSync cannot copy a message, only move it: use MOVE \
                 (mutt: set imap_move... or save-message with a MOVE-capable client)",
            )),
            _ => reply(bad(&tag, "command not supported by easync serve")),
        };
        // Untagged updates before the tagged answer; no EXPUNGE after FETCH, STORE, SEARCH.
        if self.view.is_some() && r.status_ok() {
            r.data.extend(self.updates_if_changed(false));
        }
        r
    }

    /// What changed, when another connection committed since the last look.
    pub fn updates_if_changed(&mut self, expunge: bool) -> Vec<Data<'static>> {
        let (Some(db), Some(view)) = (self.db.as_ref(), self.view.as_mut()) else {
            return Vec::new();
        };
        // Gone messages still numbered wait for a look that may report them.
        let waiting = expunge && view.msgs.iter().any(|m| m.gone);
        if waiting || view.stale(db).unwrap_or(true) {
            self.updates(expunge)
        } else {
            Vec::new()
        }
    }

    /// What changed since the last look (EXPUNGE only when `expunge`).
    pub fn updates(&mut self, expunge: bool) -> Vec<Data<'static>> {
        let (Some(db), Some(view), Some(account)) =
            (self.db.as_mut(), self.view.as_mut(), self.account.as_ref())
        else {
            return Vec::new();
        };
        view.refresh(db, &account.folders, expunge)
            .unwrap_or_default()
    }

    pub(super) fn mailboxes(&self) -> Vec<Mailbox> {
        let Some(db) = self.db.as_ref() else {
            return Vec::new();
        };
        db.folders()
            .map(|f| names::mailboxes(&f))
            .unwrap_or_default()
    }

    /// The view of the mailbox a client named, or the answer saying why there is none.
    fn open_view(
        &mut self,
        tag: &Tag<'static>,
        mailbox: &ImapMailbox<'_>,
        read_only: bool,
    ) -> Result<View, Status<'static>> {
        let name = mailbox_name(mailbox);
        let boxes = self.mailboxes();
        let Some(b) = names::find(&boxes, &name) else {
            return Err(no(tag, &format!("[NONEXISTENT] no mail folder {name:?}")));
        };
        let (Some(db), Some(account)) = (self.db.as_mut(), self.account.clone()) else {
            return Err(no(tag, "not signed in"));
        };
        match View::load(db, &account.folders, &b.folder, read_only) {
            Ok(Some(v)) => Ok(v),
            Ok(None) => Err(no(tag, "[NONEXISTENT] the folder left the mirror")),
            Err(e) => Err(no(tag, &format!("[UNAVAILABLE] {e}"))),
        }
    }

    fn select(&mut self, tag: &Tag<'static>, mailbox: &ImapMailbox<'_>, read_only: bool) -> Reply {
        self.view = None;
        let view = match self.open_view(tag, mailbox, read_only) {
            Ok(v) => v,
            Err(status) => return reply(status),
        };
        let data = vec![
            Data::Flags(system_flags()),
            Data::Exists(view.msgs.len() as u32),
            Data::Recent(0),
        ];
        let mut data_status = Vec::new();
        for (code, t) in [
            (Code::UidValidity(nz(view.uid_validity)), "UIDs valid"),
            (Code::UidNext(nz(view.uid_next)), "predicted next UID"),
            (
                Code::PermanentFlags(vec![
                    FlagPerm::Flag(Flag::Seen),
                    FlagPerm::Flag(Flag::Flagged),
                    FlagPerm::Flag(Flag::Answered),
                    FlagPerm::Flag(Flag::Deleted),
                    FlagPerm::Flag(Flag::Draft),
                    FlagPerm::Asterisk,
                ]),
                "flags kept",
            ),
        ] {
            if let Ok(s) = Status::ok(None, Some(code), t.to_string()) {
                data_status.push(s);
            }
        }
        if let Some(n) = view.first_unseen()
            && let Ok(s) = Status::ok(None, Some(Code::Unseen(nz(n))), "first unseen".to_string())
        {
            data_status.push(s);
        }
        self.view = Some(view);
        let code = if read_only {
            Code::ReadOnly
        } else {
            Code::ReadWrite
        };
        self.notes.extend(data_status);
        Reply {
            data,
            status: ok_code(tag, code, "selected"),
        }
    }

    /// APPEND (RFC 3501 6.3.11): a mail program's copy of what it sent, to the Sent folder,
    /// of a message easync sent with the server keeping its own copy, is answered OK without
    /// a second one. Anything else cannot be uploaded yet, and says so.
    fn append(
        &self,
        tag: &Tag<'static>,
        mailbox: &ImapMailbox<'_>,
        message: &[u8],
    ) -> Status<'static> {
        let name = mailbox_name(mailbox);
        let boxes = self.mailboxes();
        let Some(b) = names::find(&boxes, &name) else {
            return no(tag, &format!("[TRYCREATE] no mail folder {name:?}"));
        };
        let id = mail_parser::MessageParser::default()
            .parse(message)
            .and_then(|m| m.message_id().map(|id| format!("<{id}>")));
        if b.special_use() == Some("\\Sent") {
            let known = match (&self.db, &id) {
                (Some(db), Some(id)) => db.sent_copy_kept(id).unwrap_or(false),
                _ => false,
            };
            if known {
                return ok(
                    tag,
                    "APPEND done: Exchange keeps the copy of this message it sent in Sent Items",
                );
            }
        }
        no(
            tag,
            "[CANNOT] easync serve cannot upload messages yet: it takes a copy to Sent of what \
             it sent itself (Exchange keeps those), nothing else; send through its SMTP side",
        )
    }

    fn list(
        &self,
        tag: &Tag<'static>,
        reference: &ImapMailbox<'_>,
        pattern: &ListMailbox<'_>,
        lsub: bool,
    ) -> Reply {
        let pattern = match pattern {
            ListMailbox::Token(t) => String::from_utf8_lossy(t.as_ref()).into_owned(),
            ListMailbox::String(s) => String::from_utf8_lossy(s.as_ref()).into_owned(),
        };
        let pattern = mutf7_decode(&pattern).unwrap_or(pattern);
        let mut reference = match reference {
            ImapMailbox::Inbox => "INBOX".to_string(),
            other => mailbox_name(other),
        };
        if !reference.is_empty() && !reference.ends_with('/') && !pattern.is_empty() {
            reference.push('/');
        }
        let delimiter = QuotedChar::try_from('/').ok();
        let mut data = Vec::new();
        if pattern.is_empty() {
            // RFC 3501 6.3.8: the delimiter and the root.
            if let Ok(root) = ImapMailbox::try_from("") {
                data.push(Data::List {
                    items: vec![FlagNameAttribute::Noselect],
                    delimiter,
                    mailbox: root,
                });
            }
            return Reply {
                data,
                status: ok(tag, "LIST done"),
            };
        }
        let full = format!("{reference}{pattern}");
        for b in self.mailboxes() {
            if !names::matches(&full, &b.name) {
                continue;
            }
            let mut items = vec![attr(if b.has_children {
                "HasChildren"
            } else {
                "HasNoChildren"
            })];
            if let Some(u) = b.special_use() {
                items.push(attr(&u[1..]));
            }
            let Ok(mailbox) = ImapMailbox::try_from(mutf7_encode(&b.name)) else {
                continue;
            };
            let items: Vec<_> = items.into_iter().flatten().collect();
            data.push(if lsub {
                Data::Lsub {
                    items,
                    delimiter,
                    mailbox,
                }
            } else {
                Data::List {
                    items,
                    delimiter,
                    mailbox,
                }
            });
        }
        Reply {
            data,
            status: ok(tag, if lsub { "LSUB done" } else { "LIST done" }),
        }
    }

    fn status(
        &mut self,
        tag: &Tag<'static>,
        mailbox: &ImapMailbox<'static>,
        names_: &[StatusDataItemName],
    ) -> Reply {
        let view = match self.open_view(tag, mailbox, true) {
            Ok(v) => v,
            Err(status) => return reply(status),
        };
        let items: Vec<StatusDataItem> = names_
            .iter()
            .filter_map(|n| match n {
                StatusDataItemName::Messages => {
                    Some(StatusDataItem::Messages(view.msgs.len() as u32))
                }
                StatusDataItemName::Recent => Some(StatusDataItem::Recent(0)),
                StatusDataItemName::UidNext => Some(StatusDataItem::UidNext(nz(view.uid_next))),
                StatusDataItemName::UidValidity => {
                    Some(StatusDataItem::UidValidity(nz(view.uid_validity)))
                }
                StatusDataItemName::Unseen => Some(StatusDataItem::Unseen(view.unseen() as u32)),
                StatusDataItemName::Deleted => Some(StatusDataItem::Deleted(
                    view.msgs.iter().filter(|m| m.flags.deleted()).count() as u32,
                )),
                _ => None,
            })
            .collect();
        Reply {
            data: vec![Data::Status {
                mailbox: mailbox.clone(),
                items: Cow::Owned(items),
            }],
            status: ok(tag, "STATUS done"),
        }
    }
}

impl Reply {
    fn status_ok(&self) -> bool {
        matches!(
            &self.status,
            Status::Tagged(t) if t.body.kind == imap_next::imap_types::response::StatusKind::Ok
        )
    }
}

fn attr(name: &str) -> Option<FlagNameAttribute<'static>> {
    Atom::try_from(name.to_string())
        .ok()
        .map(FlagNameAttribute::from)
}

fn system_flags() -> Vec<Flag<'static>> {
    vec![
        Flag::Answered,
        Flag::Flagged,
        Flag::Deleted,
        Flag::Seen,
        Flag::Draft,
    ]
}
