//! Fault injection: named switches that make the simulator misbehave the way real servers and
//! networks do. A switch is armed with a scope (which command, after how many matching
//! requests, how many times) from the command line (`--fault`), the admin endpoint or a test.
//!
//! | name | what the client gets |
//! |---|---|
//! | `drop-after=N` | the response's first N bytes, then the connection is closed |
//! | `truncate` | the first half of the WBXML body, with a matching Content-Length |
//! | `corrupt` | an HTML error page with HTTP 200 instead of WBXML (proxies do this) |
//! | `http-500` | HTTP 500 |
//! | `http-403`, `http-456`, `http-457` | HTTP 403 (ActiveSync not allowed for the user), 456 (device blocked), 457 (password expired), MS-ASHTTP 3.2.5.1.1 |
//! | `http-503=S` | HTTP 503 with `Retry-After: S` |
//! | `throttle=S` | HTTP 503 with `X-MS-ASThrottle` and `Retry-After: S` |
//! | `status-110`, `status-111` | the command's Status 110 (server error) / 111 (retry later) in-band |
//! | `http-449` | HTTP 449: provision again (EAS 12.x form) |
//! | `status-142`, `status-144` | in-band "not provisioned" / "invalid policy key" (14.0+ form) |
//! | `redirect=URL` | HTTP 451 with `X-MS-Location: URL` |
//! | `redirect-loop` | HTTP 451 pointing at the URL the client used |
//! | `expire-auth` | HTTP 401 (an expired password or token) |
//! | `sync-status-3` | Sync: every key of the collection becomes invalid (Status 3) |
//! | `foldersync-9` | FolderSync: the hierarchy key becomes invalid (Status 9) |
//! | `sync-status-12` | Sync: Status 12, the hierarchy changed |
//! | `quarantine` | HTTP 200 with empty bodies, as Exchange answers a quarantined device |
//! | `quarantine-items` | a quarantined device that still gets FolderSync, Ping, Provision and Settings: Sync, ItemOperations, GetItemEstimate, MoveItems and SendMail answer empty bodies (PITFALLS 31) |
//! | `device-blocked` | HTTP 403 with Status 129 in the body (a device access rule blocks the device) |
//! | `user-disabled`, `access-denied`, `account-disabled`, `max-devices` | the command's Status 126 / 130 / 131 / 177 in-band (ActiveSync off for the user, a device rule denies access, the account disabled, too many devices) |
//! | `endless-more` | Sync: MoreAvailable with no changes and the same key, forever |
//! | `slow=MS` | the response waits MS milliseconds |
//! | `cut=MS` | the connection is closed after MS milliseconds, unanswered (a NAT dropping a long poll) |
//! | `status=N` | the command's Status N in-band (Ping 5/6/7/8, any common status) |
//! | `add-status=N`, `change-status=N`, `delete-status=N` | Sync: every client `Add` / `Change` / `Delete` of the request answers Status N in `Responses` and is not applied (7 also sends the server's version of the item) |
//! | `move-status=N` | MoveItems: every `Move` of the request answers Status N and is not applied |
//! | `send-status=N` | SendMail, SmartReply, SmartForward: the command's in-band Status N (110 server error, 111 retry later, 113 mailbox quota, 115 send quota, 116 unresolved recipient, 118 previously sent, 119 no recipient, 120 submission failed, …, MS-ASCMD 2.2.2); nothing is sent |
//! | `meeting-status=N` | MeetingResponse: every `Request` answers Status N in its `Result` (2 invalid request, 3 mailbox error, 4 server error; MS-ASCMD 2.2.3.177.9) and nothing changes |
//! | `commit-then-drop` | the command is carried out (a message sent, a Sync's changes applied), then the connection closes before any answer: the client cannot tell, and must resend with the same ClientId |
//!
//! The `*-status` faults count only the requests they apply to: `after` and `times` skip and
//! hit requests with an Add (a Change, a Delete, a Move, a MeetingResponse `Request`) or, for
//! `send-status`, the three sending commands — not every request. `send-status=111` with
//! `times: 3` fails the next three sends, whatever else the client does in between. HTTP 503
//! for sends is `http-503=S` or `throttle=S` scoped to `SendMail` (or SmartReply, SmartForward).

use std::str::FromStr;
use std::sync::Mutex;

/// A kind of client command a `*-status` fault answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientOp {
    /// Sync `Add` (MS-ASCMD 2.2.3.7.2).
    Add,
    /// Sync `Change` (2.2.3.24.2).
    Change,
    /// Sync `Delete` (2.2.3.42.2).
    Delete,
    /// MoveItems `Move` (2.2.3.117.2).
    Move,
    /// SendMail, SmartReply, SmartForward (2.2.1.17, .20, .19).
    Send,
    /// MeetingResponse `Request` (2.2.3.150.2).
    Meeting,
}

/// One misbehaviour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    DropAfter(usize),
    Truncate,
    Corrupt,
    Http500,
    /// HTTP 403, 456 or 457: the answers that need the administrator or the user.
    HttpRefused(u16),
    Http503 {
        retry_after: u64,
    },
    Throttle {
        retry_after: u64,
    },
    Status(u16),
    Http449,
    Redirect(String),
    RedirectLoop,
    ExpireAuth,
    SyncStatus3,
    FolderSync9,
    SyncStatus12,
    Quarantine,
    QuarantineItems,
    /// HTTP 403 with Status 129 in the body.
    DeviceBlocked,
    EndlessMore,
    Slow {
        ms: u64,
    },
    Cut {
        ms: u64,
    },
    /// Every client command of that kind in the request answers this status, unapplied.
    ClientStatus(ClientOp, u16),
    /// The command is carried out, then the connection is closed unanswered.
    CommitThenDrop,
}

impl FromStr for Fault {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (name, arg) = s.split_once('=').map_or((s, None), |(n, a)| (n, Some(a)));
        let num = |default: Option<u64>| -> Result<u64, String> {
            match arg {
                Some(a) => a
                    .parse()
                    .map_err(|_| format!("fault {name}: {a:?} is not a number")),
                None => default.ok_or_else(|| format!("fault {name} needs a value: {name}=N")),
            }
        };
        Ok(match name {
            "drop-after" => Fault::DropAfter(num(None)? as usize),
            "truncate" => Fault::Truncate,
            "corrupt" => Fault::Corrupt,
            "http-500" => Fault::Http500,
            "http-403" => Fault::HttpRefused(403),
            "http-456" => Fault::HttpRefused(456),
            "http-457" => Fault::HttpRefused(457),
            "http-503" => Fault::Http503 {
                retry_after: num(Some(1))?,
            },
            "throttle" => Fault::Throttle {
                retry_after: num(Some(1))?,
            },
            "status-110" => Fault::Status(110),
            "status-111" => Fault::Status(111),
            "status-142" => Fault::Status(142),
            "status-144" => Fault::Status(144),
            "http-449" => Fault::Http449,
            "redirect" => Fault::Redirect(arg.ok_or("fault redirect needs redirect=URL")?.into()),
            "redirect-loop" => Fault::RedirectLoop,
            "expire-auth" => Fault::ExpireAuth,
            "sync-status-3" => Fault::SyncStatus3,
            "foldersync-9" => Fault::FolderSync9,
            "sync-status-12" => Fault::SyncStatus12,
            "quarantine" => Fault::Quarantine,
            "quarantine-items" => Fault::QuarantineItems,
            "device-blocked" => Fault::DeviceBlocked,
            "user-disabled" => Fault::Status(126),
            "access-denied" => Fault::Status(130),
            "account-disabled" => Fault::Status(131),
            "max-devices" => Fault::Status(177),
            "endless-more" => Fault::EndlessMore,
            "slow" => Fault::Slow { ms: num(None)? },
            "cut" => Fault::Cut { ms: num(None)? },
            "status" => Fault::Status(num(None)? as u16),
            "add-status" => Fault::ClientStatus(ClientOp::Add, num(None)? as u16),
            "change-status" => Fault::ClientStatus(ClientOp::Change, num(None)? as u16),
            "delete-status" => Fault::ClientStatus(ClientOp::Delete, num(None)? as u16),
            "move-status" => Fault::ClientStatus(ClientOp::Move, num(None)? as u16),
            "send-status" => Fault::ClientStatus(ClientOp::Send, num(None)? as u16),
            "meeting-status" => Fault::ClientStatus(ClientOp::Meeting, num(None)? as u16),
            "commit-then-drop" => Fault::CommitThenDrop,
            _ => {
                return Err(format!(
                    "unknown fault {name:?} (see `easync sim serve --help`)"
                ));
            }
        })
    }
}

/// Where and how often a fault applies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// Only requests of this command (`Sync`, `FolderSync`…); any command when `None`.
    pub command: Option<String>,
    /// Let this many matching requests through first.
    pub after: u32,
    /// Apply this many times, then disarm; forever when `None`.
    pub times: Option<u32>,
}

impl Scope {
    /// Once, on the next request of `command`.
    pub fn once(command: &str) -> Self {
        Self {
            command: Some(command.into()),
            after: 0,
            times: Some(1),
        }
    }
}

#[derive(Debug)]
struct Armed {
    fault: Fault,
    scope: Scope,
    seen: u32,
    fired: u32,
}

/// The armed faults; the first that matches a request fires.
#[derive(Debug, Default)]
pub struct Faults {
    armed: Mutex<Vec<Armed>>,
}

impl Faults {
    pub fn arm(&self, fault: Fault, scope: Scope) {
        let mut armed = self.armed.lock().unwrap_or_else(|e| e.into_inner());
        armed.push(Armed {
            fault,
            scope,
            seen: 0,
            fired: 0,
        });
    }

    pub fn clear(&self) {
        self.armed.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// The fault to apply to a request of `command`, if any.
    pub fn take(&self, command: &str) -> Option<Fault> {
        self.take_where(command, |_| true)
    }

    /// The fault to apply to a request of `command`, counting for each fault only the requests
    /// it is `relevant` to (a `*-status` fault: those carrying such a command).
    pub fn take_where(&self, command: &str, relevant: impl Fn(&Fault) -> bool) -> Option<Fault> {
        let mut armed = self.armed.lock().unwrap_or_else(|e| e.into_inner());
        let pos = armed.iter_mut().position(|a| {
            let matches = a
                .scope
                .command
                .as_deref()
                .is_none_or(|c| c.eq_ignore_ascii_case(command));
            if !matches || !relevant(&a.fault) {
                return false;
            }
            a.seen += 1;
            a.seen > a.scope.after
        })?;
        let a = &mut armed[pos];
        a.fired += 1;
        let fault = a.fault.clone();
        if a.scope.times.is_some_and(|t| a.fired >= t) {
            armed.remove(pos);
        }
        Some(fault)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_bad_ones_say_why() {
        assert_eq!("drop-after=100".parse(), Ok(Fault::DropAfter(100)));
        assert_eq!("http-503".parse(), Ok(Fault::Http503 { retry_after: 1 }));
        assert_eq!("status-111".parse(), Ok(Fault::Status(111)));
        assert_eq!("status=8".parse(), Ok(Fault::Status(8)));
        assert_eq!("cut=500".parse(), Ok(Fault::Cut { ms: 500 }));
        assert_eq!("max-devices".parse(), Ok(Fault::Status(177)));
        assert_eq!("device-blocked".parse(), Ok(Fault::DeviceBlocked));
        assert_eq!(
            "change-status=7".parse(),
            Ok(Fault::ClientStatus(ClientOp::Change, 7))
        );
        assert_eq!(
            "move-status=5".parse(),
            Ok(Fault::ClientStatus(ClientOp::Move, 5))
        );
        assert_eq!(
            "send-status=115".parse(),
            Ok(Fault::ClientStatus(ClientOp::Send, 115))
        );
        assert_eq!(
            "meeting-status=3".parse(),
            Ok(Fault::ClientStatus(ClientOp::Meeting, 3))
        );
        assert_eq!("commit-then-drop".parse(), Ok(Fault::CommitThenDrop));
        assert_eq!("http-403".parse(), Ok(Fault::HttpRefused(403)));
        assert!(
            "add-status"
                .parse::<Fault>()
                .unwrap_err()
                .contains("needs a value")
        );
        assert!(
            "drop-after"
                .parse::<Fault>()
                .unwrap_err()
                .contains("needs a value")
        );
        assert!(
            "slow=x"
                .parse::<Fault>()
                .unwrap_err()
                .contains("not a number")
        );
        assert!(
            "nope"
                .parse::<Fault>()
                .unwrap_err()
                .contains("unknown fault")
        );
    }

    #[test]
    fn scopes_count_matching_requests_only() {
        let f = Faults::default();
        let scope = Scope {
            command: Some("Sync".into()),
            after: 1,
            times: Some(2),
        };
        f.arm(Fault::Http500, scope);
        assert_eq!(f.take("FolderSync"), None);
        assert_eq!(f.take("Sync"), None, "the first Sync passes");
        assert_eq!(f.take("Sync"), Some(Fault::Http500));
        assert_eq!(f.take("Sync"), Some(Fault::Http500));
        assert_eq!(f.take("Sync"), None, "disarmed after two");
    }

    #[test]
    fn a_fault_counts_only_the_requests_it_is_relevant_to() {
        let f = Faults::default();
        let add = Fault::ClientStatus(ClientOp::Add, 6);
        let scope = Scope {
            command: Some("Sync".into()),
            after: 1,
            times: Some(1),
        };
        f.arm(add.clone(), scope);
        let carries = |yes: bool| move |_: &Fault| yes;
        assert_eq!(f.take_where("Sync", carries(false)), None);
        assert_eq!(
            f.take_where("Sync", carries(true)),
            None,
            "the first passes"
        );
        assert_eq!(f.take_where("Sync", carries(false)), None, "not counted");
        assert_eq!(f.take_where("Sync", carries(true)), Some(add));
        assert_eq!(f.take_where("Sync", carries(true)), None, "once");
    }
}
