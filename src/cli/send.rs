//! `easync send`: a sendmail for mutt, aerc, git and scripts. The message on stdin is checked
//! ([`crate::mime::prepare`]), written whole to the outbox (from then on it is never lost),
//! then sent at once with SendMail — or SmartReply/SmartForward when it answers a mirrored
//! mail — by [`crate::sync::send::flush`]. When the server cannot take it now it stays queued
//! for the next `easync sync` / `watch`. The exit status says which happened (see [`HELP`]).

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use super::send_args::{Action, HELP, SendOptions, parse};
use crate::store::{NewMessage, OutboxCommand, OutboxSource, Queued, SendLock, Store};
use crate::sync::send::SendReport;

/// sysexits(3) codes, as sendmail and msmtp use them.
pub const EX_USAGE: u8 = 64;
pub const EX_DATAERR: u8 = 65;
pub const EX_NOUSER: u8 = 67;
pub const EX_UNAVAILABLE: u8 = 69;

/// How long `easync send` waits for another easync that is sending the queue.
const LOCK_WAIT: Duration = Duration::from_secs(120);

/// The arguments, read as sendmail reads them (`easync send --help`).
#[derive(Debug, Args)]
pub struct SendArgs {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
    args: Vec<String>,
}

/// An outcome with its own exit status.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct SendExit {
    pub code: u8,
    pub message: String,
}

fn exit(code: u8, message: impl Into<String>) -> anyhow::Error {
    SendExit {
        code,
        message: message.into(),
    }
    .into()
}

impl SendArgs {
    pub fn execute(self, config_file: Option<&Path>) -> anyhow::Result<()> {
        let inv = parse(&self.args).map_err(|e| exit(EX_USAGE, e))?;
        if inv.action == Action::Help {
            return super::write_stdout(HELP.as_bytes());
        }
        let acct = super::load_account(config_file, inv.account.as_deref())?;
        match inv.action {
            Action::Send(opts) => super::runtime()?.block_on(send(&acct, opts)),
            Action::List { json } => list(&acct, json),
            Action::Flush => super::runtime()?.block_on(flush_all(&acct, None)),
            Action::Retry(id) => {
                let mut db = Store::open(&acct.database)?;
                if !db.outbox_retry(id)? {
                    anyhow::bail!("no message {id} in the outbox (easync send --queue lists it)");
                }
                drop(db);
                super::runtime()?.block_on(flush_all(&acct, Some(id)))
            }
            Action::Drop(id) => {
                let mut db = Store::open(&acct.database)?;
                if !db.outbox_drop(id)? {
                    anyhow::bail!("no message {id} in the outbox (easync send --queue lists it)");
                }
                eprintln!("easync: message {id} removed from the outbox, unsent");
                Ok(())
            }
            Action::Help => unreachable!("answered above"),
        }
    }
}

/// Reads the message, queues it, sends it.
async fn send(acct: &crate::config::Account, opts: SendOptions) -> anyhow::Result<()> {
    let mut raw = Vec::new();
    std::io::stdin()
        .lock()
        .take(crate::mime::MAX_MESSAGE as u64 + 1)
        .read_to_end(&mut raw)
        .context("reading the message from standard input")?;
    let mut envelope = opts.envelope.clone();
    if let (Some(name), Some(from)) = (&opts.full_name, &envelope.sender) {
        envelope.sender = Some(format!("\"{}\" <{from}>", name.replace('"', "")));
    }
    let now = chrono::Utc::now();
    let random = crate::mime::random();
    let prepared =
        crate::mime::prepare(&raw, &envelope, &acct.email, now, random).map_err(|e| match e {
            crate::mime::MessageError::NoRecipients
            | crate::mime::MessageError::BadRecipient(_) => exit(EX_USAGE, e.to_string()),
            _ => exit(EX_DATAERR, e.to_string()),
        })?;
    for w in &prepared.warnings {
        eprintln!("easync: {w}");
    }
    let mut db = Store::open(&acct.database)?;
    let (command, source, replace_mime) = source(&db, acct, &opts, &prepared)?;
    let queued = db.queue_message(&NewMessage {
        command,
        source,
        replace_mime,
        save_in_sent: !opts.no_sent_copy,
        message_id: Some(prepared.message_id.clone()),
        mime: prepared.mime,
        recipients: prepared.recipients,
        subject: prepared.subject,
    })?;
    let id = queued.id();
    if let Queued::Already(_) = queued {
        eprintln!(
            "easync: message {} is queued already (as {id}); it is sent once",
            prepared.message_id
        );
    }
    if opts.queue_only {
        eprintln!("easync: queued as {id}; the next `easync sync` or `easync watch` sends it");
        return Ok(());
    }
    drop(db);
    deliver(acct, id, opts.queued_ok).await
}

/// Sends queued message `id` now; says what became of it (the exit status of `easync send`).
pub(super) async fn deliver(
    acct: &crate::config::Account,
    id: i64,
    queued_ok: bool,
) -> anyhow::Result<()> {
    let report = match flush(acct, Some(id)).await {
        Ok(r) => r,
        Err(e) => return queued_exit(id, &format!("{e:#}"), super::exit_code(&e), queued_ok),
    };
    // Gone from the outbox: sent, by this flush or by another easync (watch) in between.
    let left = Store::open(&acct.database)?.outbox_entry(id)?;
    if report.sent.contains(&id) || left.is_none() {
        return Ok(());
    }
    if let Some((_, why)) = report.failed.iter().find(|(f, _)| *f == id) {
        let code = if why.starts_with("status 116") {
            EX_NOUSER
        } else {
            EX_UNAVAILABLE
        };
        return Err(exit(
            code,
            format!(
                "the server refused the message: {why} (kept as {id}: `easync send --queue`, \
                 `--retry {id}`, `--drop {id}`)"
            ),
        ));
    }
    let (why, code) = match &report.deferred {
        Some(d) if d.needs_attention => (d.why.clone(), super::EXIT_AUTH),
        Some(d) => (d.why.clone(), super::EXIT_TEMPORARY),
        None => (
            "another easync is sending the queue".to_string(),
            super::EXIT_TEMPORARY,
        ),
    };
    queued_exit(id, &why, code, queued_ok)
}

/// The message stays queued: says why, exits 75 (77 when a person must act), or 0 with
/// `--queued-ok`.
fn queued_exit(id: i64, why: &str, code: u8, queued_ok: bool) -> anyhow::Result<()> {
    let code = match code {
        super::EXIT_AUTH | super::EXIT_CONFIG => code,
        _ => super::EXIT_TEMPORARY,
    };
    let message = format!(
        "queued as {id}, not sent yet: {why}; the next `easync sync` or `easync watch` (or \
         `easync send --flush`) sends it"
    );
    if queued_ok {
        eprintln!("easync: {message}");
        return Ok(());
    }
    Err(exit(code, message))
}

/// How the message goes: a reply or forward of a mirrored mail (named, or found by its
/// In-Reply-To in the exported maildirs), else a new message.
fn source(
    db: &Store,
    acct: &crate::config::Account,
    opts: &SendOptions,
    prepared: &crate::mime::Prepared,
) -> anyhow::Result<(OutboxCommand, Option<OutboxSource>, bool)> {
    let named = opts
        .reply
        .map(|id| (OutboxCommand::Reply, id))
        .or(opts.forward.map(|id| (OutboxCommand::Forward, id)));
    if let Some((command, id)) = named {
        let Some(item) = db.item_by_id(id)? else {
            return Err(exit(
                EX_USAGE,
                format!("no mail {id} in the mirror (ids: `easync mail list`); nothing was sent"),
            ));
        };
        if item.class != "Email" {
            return Err(exit(
                EX_USAGE,
                format!("item {id} is not a mail; nothing was sent"),
            ));
        }
        let source = OutboxSource {
            folder: item.folder,
            item: item.server_id,
            item_id: Some(id),
        };
        return Ok((command, Some(source), opts.replace_mime));
    }
    let found = match &prepared.in_reply_to {
        Some(parent) => super::maildir::find_message_id(db, acct, parent)?,
        None => None,
    };
    Ok(match found {
        Some((folder, item)) => {
            let item_id = db.item_id(&folder, &item)?;
            let source = OutboxSource {
                folder,
                item,
                item_id,
            };
            (OutboxCommand::Reply, Some(source), true)
        }
        None => (OutboxCommand::Send, None, opts.replace_mime),
    })
}

/// Connects and sends the queue (only `id` when given) while holding the send lock.
async fn flush(acct: &crate::config::Account, id: Option<i64>) -> anyhow::Result<SendReport> {
    let Some(_lock) = SendLock::acquire(&acct.database, LOCK_WAIT)? else {
        return Ok(SendReport::default());
    };
    let mut db = Store::open(&acct.database)?;
    let auth = acct
        .auth()
        .await
        .with_context(|| format!("account {}", acct.name))?;
    let opts = super::connect_options(acct);
    let mut session = crate::sync::account::connect(&mut db, &opts, auth).await?;
    let ids = id.map(|i| vec![i]);
    let version = session.version();
    let report = crate::sync::send::flush(&mut session, &mut db, version, ids.as_deref()).await?;
    let state = db.account()?;
    crate::sync::account::remember(&mut db, &session, state)?;
    Ok(report)
}

/// `--flush`, `--retry`: sends and says what became of each message.
async fn flush_all(acct: &crate::config::Account, id: Option<i64>) -> anyhow::Result<()> {
    let report = flush(acct, id).await?;
    let text = report_text(&report);
    eprint!("{text}");
    if let Some(d) = &report.deferred {
        let code = if d.needs_attention {
            super::EXIT_AUTH
        } else {
            super::EXIT_TEMPORARY
        };
        return Err(exit(code, format!("the rest stays queued: {}", d.why)));
    }
    if !report.failed.is_empty() {
        return Err(exit(
            EX_UNAVAILABLE,
            "the server refused some messages (above)",
        ));
    }
    Ok(())
}

/// Lines saying what a flush did (empty when it did nothing).
pub(super) fn report_text(r: &SendReport) -> String {
    let mut out = String::new();
    if !r.sent.is_empty() {
        out.push_str(&format!("sent: {} message(s)\n", r.sent.len()));
    }
    for (id, why) in &r.failed {
        out.push_str(&format!(
            "send: message {id} refused: {why} (`easync send --queue`)\n"
        ));
    }
    out
}

/// `--queue`: the outbox, one line (or JSON object) per message.
fn list(acct: &crate::config::Account, json: bool) -> anyhow::Result<()> {
    let db = super::open_synced(acct)?;
    let mut out = String::new();
    for e in db.outbox(true)? {
        let subject = e
            .subject
            .as_deref()
            .map(crate::text::one_line)
            .unwrap_or_default();
        if json {
            let v = serde_json::json!({"id": e.id, "state": e.state, "command": e.command.as_str(),
                "to": e.recipients, "subject": subject, "size": e.size, "attempts": e.attempts,
                "status": e.status, "error": e.error, "queued_at": e.created_at,
                "message_id": e.message_id});
            out.push_str(&format!("{v}\n"));
        } else {
            out.push_str(&format!(
                "{}\t{}\t{}\t{}\t{}{}\n",
                e.id,
                e.state,
                e.recipients.join(", "),
                subject,
                e.size,
                e.error
                    .as_deref()
                    .map(|w| format!("\t{}", crate::text::one_line(w)))
                    .unwrap_or_default()
            ));
        }
    }
    if out.is_empty() && !json {
        eprintln!("easync: the outbox is empty");
    }
    super::write_stdout(out.as_bytes())
}

/// Sends the queued messages with the session of a sync or watch (skipped while another
/// easync holds the send lock); the report lines.
pub(super) async fn send_queued(
    session: &mut crate::http::Session,
    db: &mut Store,
) -> Result<String, crate::sync::SyncError> {
    if db.outbox_counts()?.0 == 0 {
        return Ok(String::new());
    }
    let Some(_lock) = SendLock::acquire(db.path(), Duration::ZERO)? else {
        return Ok(String::new());
    };
    let version = session.version();
    let r = crate::sync::send::flush(session, db, version, None).await?;
    let mut out = report_text(&r);
    if let Some(d) = &r.deferred {
        out.push_str(&format!("send: the queued messages wait: {}\n", d.why));
    }
    Ok(out)
}
