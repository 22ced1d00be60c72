//! What each armed fault does to a request (see [`super::faults`] for the switches): some
//! answer instead of the command, some set up what the command will do, some damage the
//! response on its way out.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{Response, StatusCode};
use wbxml::Element;
use wbxml::tags::{air_sync as s, move_items as mv};

use super::Sim;
use super::cmd_sync;
use super::faults::{ClientOp, Fault};
use super::request::Request;
use super::server::{SyncFaults, status_body, text, wbxml};

/// Faults that answer instead of the command, or set up what the command will do.
pub(crate) async fn early_fault(
    sim: &Sim,
    f: &Fault,
    req: &Request,
    body: &[u8],
    flags: &mut SyncFaults,
) -> Option<Response<Body>> {
    let status = |code: u16| Some(text(StatusCode::from_u16(code).expect("valid"), ""));
    match f {
        Fault::Http500 => status(500),
        Fault::HttpRefused(code) => status(*code),
        Fault::Http503 { retry_after } => {
            let mut r = text(StatusCode::SERVICE_UNAVAILABLE, "busy");
            r.headers_mut().insert(
                "Retry-After",
                retry_after.to_string().parse().expect("digits"),
            );
            Some(r)
        }
        Fault::Throttle { retry_after } => {
            let mut r = text(StatusCode::SERVICE_UNAVAILABLE, "throttled");
            r.headers_mut().insert(
                "Retry-After",
                retry_after.to_string().parse().expect("digits"),
            );
            r.headers_mut().insert(
                "X-MS-ASThrottle",
                "CommandFrequency".parse().expect("static"),
            );
            Some(r)
        }
        Fault::Status(code) => {
            if matches!(code, 142 | 144) {
                sim.device(&req.device_id, |d| d.policy_key = None);
            }
            Some(wbxml(status_body(&req.command, *code)))
        }
        Fault::Redirect(to) => redirect(to),
        Fault::RedirectLoop => redirect(&format!(
            "http://{}{}",
            req.host,
            req.uri.split('?').next().unwrap_or("")
        )),
        Fault::ExpireAuth => status(401),
        Fault::Quarantine => Some(Response::new(Body::empty())),
        Fault::QuarantineItems => matches!(
            req.command.as_str(),
            "Sync" | "ItemOperations" | "GetItemEstimate" | "MoveItems" | "SendMail"
        )
        .then(|| Response::new(Body::empty())),
        Fault::DeviceBlocked => {
            let mut r = wbxml(status_body(&req.command, 129));
            *r.status_mut() = StatusCode::FORBIDDEN;
            Some(r)
        }
        Fault::Cut { ms } => {
            tokio::time::sleep(Duration::from_millis(*ms)).await;
            Some(dropped(Vec::new(), 0))
        }
        Fault::Slow { ms } => {
            tokio::time::sleep(Duration::from_millis(*ms)).await;
            None
        }
        Fault::SyncStatus3 => {
            for id in cmd_sync::collection_ids(body) {
                let _ = sim.invalidate_sync_keys(&id);
            }
            None
        }
        Fault::FolderSync9 => {
            sim.invalidate_hierarchy();
            None
        }
        Fault::SyncStatus12 => {
            flags.status_12 = true;
            None
        }
        Fault::EndlessMore => {
            flags.endless_more = true;
            None
        }
        Fault::Http449 => {
            sim.device(&req.device_id, |d| d.policy_key = None);
            None
        }
        Fault::ClientStatus(op, code) => {
            flags.client_status = Some((*op, *code));
            None
        }
        Fault::DropAfter(_) | Fault::Truncate | Fault::Corrupt | Fault::CommitThenDrop => None,
    }
}

/// Whether a fault applies to a request of `command`: a `*-status` fault only to one carrying
/// a command of its kind (a Sync `Add`, `Change`, `Delete`; a MoveItems `Move`; a
/// MeetingResponse `Request`; a SendMail, SmartReply or SmartForward), every other fault always.
pub(crate) fn relevant(f: &Fault, command: &str, body: &[u8]) -> bool {
    let Fault::ClientStatus(op, _) = f else {
        return true;
    };
    if *op == ClientOp::Send {
        return super::cmd_compose::COMMANDS.contains(&command);
    }
    let Ok(tree) = Element::decode(body) else {
        return false;
    };
    let tag = match op {
        ClientOp::Move => return tree.elements().any(|e| e.tag == mv::MOVE),
        ClientOp::Meeting => {
            let request = wbxml::tags::meeting_response::REQUEST;
            return command == "MeetingResponse" && tree.elements().any(|e| e.tag == request);
        }
        ClientOp::Send => return false,
        ClientOp::Add => s::ADD,
        ClientOp::Change => s::CHANGE,
        ClientOp::Delete => s::DELETE,
    };
    let commands = tree
        .child(0, "Collections")
        .into_iter()
        .flat_map(|cs| cs.elements())
        .filter_map(|c| c.child(0, "Commands"));
    commands.flat_map(|c| c.elements()).any(|e| e.tag == tag)
}

fn redirect(to: &str) -> Option<Response<Body>> {
    let mut r = text(StatusCode::from_u16(451).expect("valid"), "");
    r.headers_mut().insert("X-MS-Location", to.parse().ok()?);
    Some(r)
}

/// Faults that damage the response on its way out.
pub(crate) fn late_fault(fault: Option<Fault>, body: Vec<u8>) -> Response<Body> {
    match fault {
        Some(Fault::Truncate) => wbxml(body[..body.len() / 2].to_vec()),
        Some(Fault::Corrupt) => {
            let mut r = text(
                StatusCode::OK,
                "<html><body><h1>Proxy error</h1></body></html>",
            );
            r.headers_mut()
                .insert("Content-Type", "text/html".parse().expect("static"));
            r
        }
        Some(Fault::DropAfter(n)) => dropped(body, n),
        _ => wbxml(body),
    }
}

/// The first `n` bytes of `body`, then a reset connection.
pub(crate) fn dropped(body: Vec<u8>, n: usize) -> Response<Body> {
    let head = Bytes::from(body[..n.min(body.len())].to_vec());
    let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(head),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "fault: connection dropped",
        )),
    ];
    let mut r = Response::new(Body::from_stream(futures_util::stream::iter(chunks)));
    r.headers_mut().insert(
        "Content-Type",
        "application/vnd.ms-sync.wbxml".parse().expect("static"),
    );
    r
}
