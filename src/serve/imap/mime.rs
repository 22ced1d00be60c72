//! Whole messages for IMAP clients: from the mirror when it keeps MIME (`body = "mime"`) or
//! has fetched it before, else fetched from the server with ItemOperations (MS-ASCMD
//! 2.2.1.10, `BodyPreference` Type 4) in batches, and kept (`imap_messages`), so each message
//! crosses the network once.

use std::collections::HashMap;

use tokio::sync::Mutex;

use crate::http::{Auth, Session};
use crate::store::Store;
use crate::sync::account::{self, ConnectOptions};

/// How many messages one ItemOperations request fetches.
const BATCH: usize = 50;

/// The account's server, connected on first need (a client reading cached messages needs no
/// network).
pub struct MimeSource {
    inner: Option<(ConnectOptions, Auth)>,
    session: Mutex<Option<Session>>,
}

impl MimeSource {
    /// Fetches from the account's server.
    pub fn server(opts: ConnectOptions, auth: Auth) -> Self {
        Self {
            inner: Some((opts, auth)),
            session: Mutex::new(None),
        }
    }

    /// Never fetches: only what the mirror holds (tests, an account offline on purpose).
    pub fn offline() -> Self {
        Self {
            inner: None,
            session: Mutex::new(None),
        }
    }

    /// The whole messages of `items` (mirror row ids) that the store or the server has; the
    /// fetched ones are kept in `db`. When some must be fetched, those of `ahead` (the next
    /// messages of the mailbox) that are not kept yet come in the same request, up to a batch:
    /// a client reading one message at a time (mbsync) costs a request per batch, not per
    /// message. A server that cannot be reached leaves them out (the caller answers NO).
    pub async fn get(
        &self,
        db: &mut Store,
        items: &[i64],
        ahead: &[i64],
    ) -> Result<HashMap<i64, Vec<u8>>, String> {
        let mut out = HashMap::new();
        let mut missing: Vec<(i64, String, String)> = Vec::new();
        for &item in items {
            match db.imap_mime(item).map_err(|e| e.to_string())? {
                Some(m) => {
                    out.insert(item, m);
                }
                None => {
                    if let Some((folder, server_id)) =
                        db.imap_item_place(item).map_err(|e| e.to_string())?
                    {
                        missing.push((item, folder, server_id));
                    }
                }
            }
        }
        if missing.is_empty() {
            return Ok(out);
        }
        let wanted: std::collections::HashSet<i64> = items.iter().copied().collect();
        for &item in ahead {
            if missing.len() >= BATCH {
                break;
            }
            if wanted.contains(&item) || db.imap_has_mime(item).map_err(|e| e.to_string())? {
                continue;
            }
            if let Some((folder, server_id)) =
                db.imap_item_place(item).map_err(|e| e.to_string())?
            {
                missing.push((item, folder, server_id));
            }
        }
        let Some((opts, auth)) = &self.inner else {
            return Ok(out);
        };
        let mut guard = self.session.lock().await;
        if guard.is_none() {
            let s = account::connect(db, opts, auth.clone())
                .await
                .map_err(|e| format!("cannot reach the Exchange server for the message: {e}"))?;
            *guard = Some(s);
        }
        let Some(session) = guard.as_mut() else {
            return Ok(out);
        };
        let mut by_folder: HashMap<&str, Vec<&(i64, String, String)>> = HashMap::new();
        for m in &missing {
            by_folder.entry(m.1.as_str()).or_default().push(m);
        }
        for (folder, list) in by_folder {
            for chunk in list.chunks(BATCH) {
                let ids: Vec<String> = chunk.iter().map(|m| m.2.clone()).collect();
                let got = match crate::export::mail::fetch_mime(session, folder, &ids).await {
                    Ok(g) => g,
                    Err(e) => {
                        // The session may be dead (sign-in expired, server gone): make a new
                        // one next time.
                        *guard = None;
                        return Err(format!("the Exchange server did not send the message: {e}"));
                    }
                };
                for m in chunk {
                    if let Some(mime) = got.get(&m.2) {
                        db.imap_put_mime(m.0, mime).map_err(|e| e.to_string())?;
                        if wanted.contains(&m.0) {
                            out.insert(m.0, mime.clone());
                        }
                    }
                }
            }
        }
        Ok(out)
    }
}
