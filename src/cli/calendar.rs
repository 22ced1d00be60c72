//! `easync calendar respond`: answer a meeting invitation with MeetingResponse (MS-ASCMD
//! 2.2.1.11) — never by changing the event through Sync, which makes servers duplicate it and
//! mail every attendee (../shared/eas/PITFALLS.md). On EAS 16.x the server tells the organizer
//! (`SendResponse`); before 16.0 it does not, and easync sends the iCalendar REPLY itself through
//! the outbox (`crate::mime::reply`). Then the folders concerned are synced, so the store and the
//! exports show the new response status (a declined meeting leaves the calendar).

use std::path::Path;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};

use crate::mime::reply::{Answer, Invitation};
use crate::proto::meetingresponse::{
    MeetingResponse, MeetingResponseStatus, Request, RequestRef, UserResponse,
};
use crate::proto::{CollectionId, ProtocolVersion, ServerId};
use crate::store::{NewMessage, OutboxCommand, Store};

#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Answer a meeting invitation: accept, tentative or decline (the organizer is told unless
    /// --no-send).
    Respond(RespondArgs),
}

/// The answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AnswerArg {
    Accept,
    Tentative,
    Decline,
}

#[derive(Debug, Args)]
pub struct RespondArgs {
    /// The account (default: the only one).
    #[arg(short, long)]
    account: Option<String>,
    /// The event (its item id, or its iCalendar UID as in the exported .ics) or the invitation
    /// mail (its id in `easync mail list`).
    event: String,
    answer: AnswerArg,
    /// A note for the organizer.
    #[arg(long, value_name = "TEXT")]
    comment: Option<String>,
    /// Answer without telling the organizer.
    #[arg(long)]
    no_send: bool,
    /// One occurrence of a recurring meeting: its original start, UTC (2026-12-10T09:00:00Z).
    #[arg(long, value_name = "START")]
    occurrence: Option<String>,
}

impl CalendarCommand {
    pub fn execute(self, config_file: Option<&Path>) -> anyhow::Result<()> {
        match self {
            Self::Respond(args) => super::runtime()?.block_on(args.execute(config_file)),
        }
    }
}

impl AnswerArg {
    fn user_response(self) -> UserResponse {
        match self {
            Self::Accept => UserResponse::Accepted,
            Self::Tentative => UserResponse::Tentative,
            Self::Decline => UserResponse::Declined,
        }
    }

    fn answer(self) -> Answer {
        match self {
            Self::Accept => Answer::Accepted,
            Self::Tentative => Answer::Tentative,
            Self::Decline => Answer::Declined,
        }
    }
}

/// The item answered: its row id, folder, server id and class.
fn resolve(db: &Store, event: &str) -> anyhow::Result<(i64, crate::store::HeldItem)> {
    let id = match event.parse::<i64>() {
        Ok(id) => id,
        Err(_) => match db.events_with_uid(event)?.as_slice() {
            [one] => *one,
            [] => anyhow::bail!("no event with UID {event:?} in the mirror"),
            many => anyhow::bail!(
                "{} events have UID {event:?} (item ids {many:?}): name one by its id",
                many.len()
            ),
        },
    };
    let Some(item) = db.item_by_id(id)? else {
        anyhow::bail!("no item {id} in the mirror");
    };
    if item.class != "Calendar" && item.class != "Email" {
        anyhow::bail!(
            "item {id} is a {} item: answer an event or an invitation mail",
            item.class
        );
    }
    Ok((id, item))
}

impl RespondArgs {
    async fn execute(self, config_file: Option<&Path>) -> anyhow::Result<()> {
        let acct = super::load_account(config_file, self.account.as_deref())?;
        let mut db = super::open_synced(&acct)?;
        let (id, item) = resolve(&db, &self.event)?;
        if let Some(f) = db.event_facts(id)?.filter(|f| f.response_type == Some(1)) {
            anyhow::bail!(
                "you organize {:?}: there is no invitation to answer",
                f.subject.unwrap_or_default()
            );
        }
        // Read before answering: a mail that is no invitation is refused before the server is
        // asked, and a declined meeting leaves the mirror with the sync after the answer.
        let inv = invitation(&db, id, &item, self.occurrence.as_deref())?;
        let auth = acct
            .auth()
            .await
            .with_context(|| format!("account {}", acct.name))?;
        let opts = super::connect_options(&acct);
        let mut session = crate::sync::account::connect(&mut db, &opts, auth).await?;
        let version = session.version();
        let told_by_server = version >= ProtocolVersion::V16_0 && !self.no_send;
        let request = Request {
            user_response: self.answer.user_response(),
            request: RequestRef::Item {
                collection_id: CollectionId::try_from(item.folder.as_str())?,
                request_id: ServerId::try_from(item.server_id.as_str())?,
            },
            instance_id: self.occurrence.clone(),
            proposed_start_time: None,
            proposed_end_time: None,
            send_response: told_by_server.then(|| self.comment.clone().unwrap_or_default()),
        };
        let results = session
            .execute(&MeetingResponse {
                requests: vec![request],
            })
            .await
            .context("MeetingResponse")?;
        let state = db.account()?;
        crate::sync::account::remember(&mut db, &session, state)?;
        match results.first().map(|r| r.status) {
            Some(MeetingResponseStatus::Success) => {}
            Some(s) => {
                return Err(super::send::SendExit {
                    code: super::send::EX_UNAVAILABLE,
                    message: format!("the server refused the answer: status {} ({s})", s.code()),
                }
                .into());
            }
            None => anyhow::bail!("the server answered MeetingResponse without a result"),
        }
        let verb = self.answer.answer().verb().to_lowercase();
        eprintln!("easync: {verb}");
        let mut folders = vec![item.folder.clone()];
        folders.extend(calendar_folders(&db)?);
        if !self.no_send && !told_by_server {
            self.tell_organizer(&acct, &mut db, inv).await?;
        }
        drop(db);
        refresh(config_file, &acct, folders).await
    }

    /// Before 16.0: the REPLY to the organizer, queued and sent through the outbox.
    async fn tell_organizer(
        &self,
        acct: &crate::config::Account,
        db: &mut Store,
        inv: Option<Invitation>,
    ) -> anyhow::Result<()> {
        let Some(inv) = inv else {
            eprintln!(
                "easync: the organizer was not told (the invitation names no organizer or UID \
                 easync can answer); answer from the calendar event, or tell them yourself"
            );
            return Ok(());
        };
        let now = chrono::Utc::now();
        let mime = crate::mime::reply::message(
            &inv,
            &acct.email,
            self.answer.answer(),
            self.comment.as_deref(),
            now,
        );
        // Date and Message-ID as any message of easync send gets them.
        let envelope = crate::mime::Envelope {
            recipients: vec![inv.organizer.clone()],
            ..Default::default()
        };
        let random = crate::mime::random();
        let prepared = crate::mime::prepare(&mime, &envelope, &acct.email, now, random)?;
        let queued = db.queue_message(&NewMessage {
            command: OutboxCommand::Send,
            source: None,
            replace_mime: false,
            save_in_sent: true,
            message_id: Some(prepared.message_id),
            mime: prepared.mime,
            recipients: prepared.recipients,
            subject: prepared.subject,
        })?;
        super::send::deliver(acct, queued.id(), false).await?;
        eprintln!("easync: {} was told", inv.organizer);
        Ok(())
    }
}

/// What the REPLY is about: the stored event, or the meeting a request mail carries (its
/// calendar item when the mirror has it).
fn invitation(
    db: &Store,
    id: i64,
    item: &crate::store::HeldItem,
    occurrence: Option<&str>,
) -> anyhow::Result<Option<Invitation>> {
    let ical = |t: Option<String>| t.map(|t| crate::sync::convert::instant_key(&t));
    let from_event = |id: i64| -> anyhow::Result<Option<Invitation>> {
        let Some(f) = db.event_facts(id)? else {
            return Ok(None);
        };
        let (Some(uid), Some(organizer)) = (f.uid, f.organizer_email) else {
            return Ok(None);
        };
        Ok(Some(Invitation {
            uid,
            organizer,
            subject: f.subject,
            start: ical(f.start_time),
            end: ical(f.end_time),
            recurrence_id: occurrence.map(crate::sync::convert::instant_key),
        }))
    };
    if item.class == "Calendar" {
        return from_event(id);
    }
    let mail = crate::sync::convert::stored(&item.raw, crate::proto::classes::ItemClass::Email);
    let Ok(crate::model::Item::Email(mail)) = mail else {
        return Ok(None);
    };
    let Some(invite) = mail.meeting.as_ref() else {
        anyhow::bail!("mail {id} is not a meeting invitation: nothing was answered");
    };
    let Some(uid) = invite.uid.clone() else {
        return Ok(None);
    };
    if let [event] = db.events_with_uid(&uid)?.as_slice()
        && let Some(inv) = from_event(*event)?
    {
        return Ok(Some(inv));
    }
    let organizer = invite.organizer.as_deref().or(mail.sender.as_deref());
    let Some(organizer) = organizer.map(crate::export::vcard::address) else {
        return Ok(None);
    };
    Ok(Some(Invitation {
        uid,
        organizer: organizer.to_string(),
        subject: mail.subject.clone(),
        start: ical(invite.start_time.clone()),
        end: ical(invite.end_time.clone()),
        recurrence_id: occurrence
            .map(String::from)
            .or(invite.recurrence_id.clone())
            .map(|r| crate::sync::convert::instant_key(&r)),
    }))
}

/// The server ids of the calendar folders.
fn calendar_folders(db: &Store) -> anyhow::Result<Vec<String>> {
    Ok(db
        .folders()?
        .into_iter()
        .filter(|f| f.class.as_deref() == Some("Calendar"))
        .map(|f| f.server_id)
        .collect())
}

/// Syncs the folders concerned so the store and the exports show the answer.
async fn refresh(
    config_file: Option<&Path>,
    acct: &crate::config::Account,
    folders: Vec<String>,
) -> anyhow::Result<()> {
    match super::sync::SyncArgs::folders_by_id(config_file, acct, &folders).await {
        Ok(()) => Ok(()),
        Err(e) if super::exit_code(&e) == super::EXIT_TEMPORARY => {
            eprintln!("easync: answered; the mirror shows it after the next sync ({e:#})");
            Ok(())
        }
        Err(e) => Err(e.context("answered, but the sync after it failed")),
    }
}
