//! Provision (MS-ASCMD 2.2.1.14, MS-ASPROV 3.2.5): phase one hands out the policy and a
//! temporary key, phase two turns an acknowledged temporary key into the device's final key.
//! On 14.1 and later the first request must describe the device (Status 165 otherwise).

use std::sync::Arc;

use wbxml::Element;
use wbxml::tags::provision as p;

use super::Sim;
use super::request::Request;
use super::server::Reply;

const POLICY_TYPE: &str = "MS-EAS-Provisioning-WBXML";

fn policy_doc() -> Element<'static> {
    let leaf = |tag, v: &'static str| Element::new(tag).with_text(v);
    Element::new(p::DATA).with(
        Element::new(p::EAS_PROVISION_DOC)
            .with(leaf(p::DEVICE_PASSWORD_ENABLED, "0"))
            .with(leaf(p::ATTACHMENTS_ENABLED, "1"))
            .with(leaf(p::ALLOW_HTML_EMAIL, "1"))
            .with(leaf(p::MAX_ATTACHMENT_SIZE, "10485760"))
            .with(leaf(p::ALLOW_DESKTOP_SYNC, "1")),
    )
}

pub(crate) fn handle(sim: &Arc<Sim>, req: &Request, body: &[u8]) -> Reply {
    let Ok(tree) = Element::decode(body) else {
        return Reply::Status(2);
    };
    let Some(policy) = tree
        .child(14, "Policies")
        .and_then(|ps| ps.child(14, "Policy"))
    else {
        // A remote-wipe acknowledgement or an empty request: nothing to hand out.
        return Reply::Status(2);
    };
    sim.stats.describe(req, &tree);
    let modern = req.version.as_str() >= "14.1";
    let acked = policy.child(14, "PolicyKey").map(|k| k.text());
    let policy_status = |key: u32, doc: bool| {
        let mut el = Element::new(p::POLICY)
            .with(Element::new(p::POLICY_TYPE).with_text(POLICY_TYPE))
            .with(Element::new(p::STATUS).with_text("1"))
            .with(Element::new(p::POLICY_KEY).with_text(key.to_string()));
        if doc {
            el = el.with(policy_doc());
        }
        Element::new(p::PROVISION)
            .with(Element::new(p::STATUS).with_text("1"))
            .with(Element::new(p::POLICIES).with(el))
    };
    let reply = match acked {
        None => {
            if modern && tree.child(18, "DeviceInformation").is_none() {
                return Reply::Status(165);
            }
            let temporary = sim.fresh_policy_key();
            sim.device(&req.device_id, |d| d.pending_key = Some(temporary));
            policy_status(temporary, true)
        }
        Some(key) => {
            let pending = sim.device(&req.device_id, |d| d.pending_key);
            if pending.map(|k| k.to_string()) != Some(key.trim().to_string()) {
                // Not the temporary key we gave: the device must start over (MS-ASPROV 3.2.5.1.2).
                return Reply::Status(144);
            }
            let fin = sim.fresh_policy_key();
            sim.device(&req.device_id, |d| {
                d.pending_key = None;
                d.policy_key = Some(fin);
            });
            policy_status(fin, false)
        }
    };
    match reply.encode() {
        Ok(bytes) => Reply::Wbxml(bytes),
        Err(e) => Reply::Http(axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}
