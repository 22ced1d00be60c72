//! One IMAP connection: greeting, commands in, responses out, IDLE with the store looked at
//! twice a second (only when another connection committed: `PRAGMA data_version`).

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use imap_next::imap_types::auth::{AuthMechanism, AuthenticateData};
use imap_next::imap_types::core::Tag;
use imap_next::imap_types::response::{Code, CommandContinuationRequest, Data, Greeting, Status};
use imap_next::server::{Event, Options, Server};
use imap_next::stream::{Error as StreamError, Stream};
use tokio::net::TcpStream;

use super::view::View;
use super::{ImapAccount, ImapContext};
use crate::store::Store;

/// How often an idling client's mailbox is compared with the store.
const IDLE_POLL: Duration = Duration::from_millis(500);
/// The largest literal (APPEND, long commands) a client may send.
const MAX_LITERAL: u32 = 64 * 1024 * 1024;

/// What a command answers: untagged data, then the tagged status.
pub struct Reply {
    pub data: Vec<Data<'static>>,
    pub status: Status<'static>,
}

/// A connection's state (RFC 3501 3: not authenticated, authenticated, selected, logout).
pub struct Session {
    pub ctx: Arc<ImapContext>,
    pub account: Option<Arc<ImapAccount>>,
    pub db: Option<Store>,
    pub view: Option<View>,
    pub logout: bool,
    /// Untagged statuses (`* OK [UIDVALIDITY …]`) to send before the next tagged one.
    pub notes: Vec<Status<'static>>,
    /// The tag of the IDLE in progress.
    pub idle: Option<Tag<'static>>,
    /// The tag of an AUTHENTICATE waiting for the client's response.
    pub pending_auth: Option<Tag<'static>>,
}

/// The capabilities announced (before and after sign-in alike).
pub fn capabilities() -> Vec<imap_next::imap_types::response::Capability<'static>> {
    use imap_next::imap_types::response::Capability;
    let mut caps = vec![
        Capability::Imap4Rev1,
        Capability::Auth(AuthMechanism::Plain),
        Capability::SaslIr,
        Capability::Idle,
        Capability::Move,
        Capability::Unselect,
        Capability::LiteralPlus,
    ];
    for other in ["SPECIAL-USE"] {
        if let Ok(a) = imap_next::imap_types::core::Atom::try_from(other) {
            caps.push(Capability::from(a));
        }
    }
    caps
}

/// Serves one client until it logs out or goes.
pub async fn run(stream: TcpStream, ctx: Arc<ImapContext>) -> Result<(), String> {
    let mut stream = Stream::insecure(stream);
    let mut options = Options::default();
    options.max_literal_size = MAX_LITERAL;
    options.max_command_size = MAX_LITERAL + 64 * 1024;
    let caps = imap_next::imap_types::core::Vec1::try_from(capabilities())
        .map_err(|_| "no capabilities".to_string())?;
    let greeting = Greeting::ok(Some(Code::Capability(caps)), "easync serve ready")
        .map_err(|e| e.to_string())?;
    let mut server = Server::new(options, greeting);
    let mut s = Session {
        ctx,
        account: None,
        db: None,
        view: None,
        logout: false,
        notes: Vec::new(),
        idle: None,
        pending_auth: None,
    };
    let mut tick = tokio::time::interval(IDLE_POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        let event = tokio::select! {
            event = stream.next(&mut server) => event,
            _ = tick.tick(), if s.idle.is_some() => {
                for d in s.idle_updates() {
                    server.enqueue_data(d);
                }
                continue;
            }
        };
        let event = match event {
            Ok(e) => e,
            Err(StreamError::Closed) => return Ok(()),
            Err(StreamError::State(e)) => {
                unreadable(&mut server, &e);
                continue;
            }
            Err(e) => return Err(e.to_string()),
        };
        match event {
            Event::CommandReceived { command } => {
                let reply = s.handle(command).await;
                for d in reply.data {
                    server.enqueue_data(d);
                }
                for n in s.notes.drain(..) {
                    server.enqueue_status(n);
                }
                let last = server.enqueue_status(reply.status);
                if s.logout {
                    return finish(&mut stream, &mut server, last).await;
                }
            }
            other => s.on_event(&mut server, other),
        }
    }
}

/// The tag of a command imap-next could not parse, if its first word is one.
fn unreadable_tag(e: &imap_next::server::Error) -> Option<Tag<'static>> {
    use imap_next::server::Error as E;
    let bytes = match e {
        E::MalformedMessage { discarded_bytes }
        | E::LiteralTooLong { discarded_bytes }
        | E::CommandTooLong { discarded_bytes }
        | E::ExpectedCrlfGotLf { discarded_bytes } => discarded_bytes.declassify(),
    };
    let word = bytes.split(|&b| b == b' ').next()?;
    Tag::try_from(String::from_utf8_lossy(word).into_owned()).ok()
}

/// Writes out what is queued until the response `last` went, then ends the connection.
async fn finish(
    stream: &mut Stream,
    server: &mut Server,
    last: imap_next::server::ResponseHandle,
) -> Result<(), String> {
    loop {
        match stream.next(&mut *server).await {
            Ok(Event::ResponseSent { handle, .. }) if handle == last => return Ok(()),
            Ok(_) => {}
            Err(StreamError::Closed) => return Ok(()),
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// A line imap-next could not read: BAD under its tag when it has one (a client waiting for
/// a literal's "+" must hear that it will not come).
fn unreadable(server: &mut Server, e: &imap_next::server::Error) {
    tracing::debug!("imap: unreadable command: {e}");
    if matches!(e, imap_next::server::Error::LiteralTooLong { .. }) {
        return; // imap-next answered BAD itself
    }
    let text = "unreadable command (quote names with spaces; text other than ASCII goes in a \
                literal)";
    if let Ok(bad) = Status::bad(unreadable_tag(e), None, text) {
        server.enqueue_status(bad);
    }
}

impl Session {
    /// AUTHENTICATE (RFC 3501 6.2.2) and IDLE (RFC 2177), the exchanges beyond one command and
    /// its answer.
    fn on_event(&mut self, server: &mut Server, event: Event) {
        match event {
            Event::CommandAuthenticateReceived {
                command_authenticate,
            } => {
                let tag = command_authenticate.tag;
                if command_authenticate.mechanism != AuthMechanism::Plain {
                    let _ = server.authenticate_finish(no(&tag, "only AUTHENTICATE PLAIN"));
                } else if let Some(ir) = command_authenticate.initial_response {
                    let status = self.plain(&tag, ir.declassify());
                    let _ = server.authenticate_finish(status);
                } else {
                    self.pending_auth = Some(tag);
                    if let Ok(c) = CommandContinuationRequest::basic(None, " ") {
                        let _ = server.authenticate_continue(c);
                    }
                }
            }
            Event::AuthenticateDataReceived { authenticate_data } => {
                let tag = self.pending_auth.take().unwrap_or_else(|| tag_of("*"));
                let status = match authenticate_data {
                    AuthenticateData::Continue(data) => self.plain(&tag, data.declassify()),
                    AuthenticateData::Cancel => bad(&tag, "AUTHENTICATE cancelled"),
                };
                let _ = server.authenticate_finish(status);
            }
            Event::IdleCommandReceived { tag } => {
                if self.view.is_some() {
                    if let Ok(c) = CommandContinuationRequest::basic(None, "idling") {
                        let _ = server.idle_accept(c);
                    }
                    for d in self.idle_updates() {
                        server.enqueue_data(d);
                    }
                    self.idle = Some(tag);
                } else {
                    let _ = server.idle_reject(bad(&tag, "IDLE needs a selected mailbox"));
                }
            }
            Event::IdleDoneReceived => {
                if let Some(tag) = self.idle.take() {
                    server.enqueue_status(ok(&tag, "IDLE done"));
                }
            }
            Event::GreetingSent { .. }
            | Event::ResponseSent { .. }
            | Event::CommandReceived { .. } => {}
        }
    }

    /// SASL PLAIN (RFC 4616): `authzid NUL authcid NUL password`.
    fn plain(&mut self, tag: &Tag<'static>, data: &[u8]) -> Status<'static> {
        // Some clients send the initial response base64-encoded still; imap-next decoded it.
        let decoded;
        let data = if data.contains(&0) {
            data
        } else {
            decoded = base64::engine::general_purpose::STANDARD
                .decode(data)
                .unwrap_or_default();
            &decoded
        };
        let mut fields = data.split(|&b| b == 0);
        let (_authz, user, pass) = (fields.next(), fields.next(), fields.next());
        match (user, pass) {
            (Some(u), Some(p)) => {
                let (u, p) = (String::from_utf8_lossy(u), String::from_utf8_lossy(p));
                self.login(tag, &u, &p)
            }
            _ => no(tag, "[AUTHENTICATIONFAILED] not a PLAIN response"),
        }
    }

    /// Signs in: the account the user names, with the local password.
    pub fn login(&mut self, tag: &Tag<'static>, user: &str, password: &str) -> Status<'static> {
        let Some(name) = self.ctx.auth.check(user, password).map(str::to_string) else {
            tracing::info!("imap: sign-in refused for {user:?}");
            return no(
                tag,
                "[AUTHENTICATIONFAILED] wrong user or password: the user is an account's name or \
                 address, the password the one `easync serve --show-password` prints (not the \
                 Exchange password)",
            );
        };
        let Some(account) = self.ctx.accounts.get(&name).cloned() else {
            return no(
                tag,
                "[AUTHENTICATIONFAILED] that account is not served here",
            );
        };
        match Store::open(&account.database).and_then(|db| db.durable().map(|()| db)) {
            Ok(db) => {
                self.db = Some(db);
                self.account = Some(account);
                ok(tag, "signed in")
            }
            Err(e) => no(tag, &format!("[UNAVAILABLE] cannot open the mirror: {e}")),
        }
    }

    /// What an idling client is told: changes in the store since the last look.
    fn idle_updates(&mut self) -> Vec<Data<'static>> {
        let (Some(db), Some(view), Some(account)) =
            (self.db.as_mut(), self.view.as_mut(), self.account.as_ref())
        else {
            return Vec::new();
        };
        let waiting = view.msgs.iter().any(|m| m.gone);
        match view.stale(db).map(|s| s || waiting) {
            Ok(true) => view
                .refresh(db, &account.folders, true)
                .unwrap_or_else(|e| {
                    tracing::warn!("imap: cannot read the mirror: {e}");
                    Vec::new()
                }),
            _ => Vec::new(),
        }
    }
}

pub fn tag_of(t: &str) -> Tag<'static> {
    Tag::try_from(t.to_string()).unwrap_or_else(|_| Tag::unvalidated("A"))
}

fn text(t: &str) -> String {
    let t: String = t.chars().filter(|c| !c.is_control()).collect();
    if t.is_empty() { "done".into() } else { t }
}

pub fn ok(tag: &Tag<'static>, t: &str) -> Status<'static> {
    Status::ok(Some(tag.clone()), None, text(t)).unwrap_or_else(|_| fallback(tag))
}

pub fn ok_code(tag: &Tag<'static>, code: Code<'static>, t: &str) -> Status<'static> {
    Status::ok(Some(tag.clone()), Some(code), text(t)).unwrap_or_else(|_| fallback(tag))
}

pub fn no(tag: &Tag<'static>, t: &str) -> Status<'static> {
    Status::no(Some(tag.clone()), None, text(t)).unwrap_or_else(|_| fallback(tag))
}

pub fn bad(tag: &Tag<'static>, t: &str) -> Status<'static> {
    Status::bad(Some(tag.clone()), None, text(t)).unwrap_or_else(|_| fallback(tag))
}

fn fallback(tag: &Tag<'static>) -> Status<'static> {
    Status::no(Some(tag.clone()), None, "failed").expect("a plain text is a valid status")
}
