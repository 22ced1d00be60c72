//! The IMAP side of `easync serve` (IMAP4rev1, RFC 3501, with IDLE RFC 2177, MOVE RFC 6851,
//! UNSELECT RFC 3691, SPECIAL-USE RFC 6154): one task per connection over imap-next's server
//! state machine. A client reads the mirror; its flag changes, moves and expunges go into the
//! journal of local changes (the `watch` loop of the same process sends them); IDLE and NOOP
//! report what changed in the store, which push keeps fresh.

mod changes;
mod command;
mod fetch;
mod fetch_items;
mod mime;
mod names;
mod search;
mod session;
mod structure;
mod view;
mod wire;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::TcpListener;

pub use self::mime::MimeSource;
use super::LocalAuth;

/// What every connection shares.
pub struct ImapContext {
    pub auth: LocalAuth,
    pub accounts: HashMap<String, Arc<ImapAccount>>,
}

/// One served account.
pub struct ImapAccount {
    pub name: String,
    pub database: PathBuf,
    /// Where whole messages come from when the mirror keeps only text bodies.
    pub mime: MimeSource,
    /// The folders as last read, shared by the account's connections.
    pub folders: FolderCache,
}

/// A folder's messages as last read, with the [`crate::store::Store::imap_token`] they were
/// read at: twenty clients idling on a large folder read it once per change, not twenty times.
#[derive(Default)]
pub struct FolderCache(std::sync::Mutex<HashMap<String, Cached>>);

/// A folder as read at a token.
type Cached = ([i64; 4], Arc<crate::store::ImapFolder>);

impl FolderCache {
    /// The folder's messages at `token` or later.
    pub fn read(
        &self,
        db: &mut crate::store::Store,
        folder: &str,
        token: [i64; 4],
    ) -> Result<Option<Arc<crate::store::ImapFolder>>, crate::store::StoreError> {
        if let Ok(map) = self.0.lock()
            && let Some((t, f)) = map.get(folder)
            && *t == token
        {
            return Ok(Some(f.clone()));
        }
        let Some(f) = db.imap_folder(folder)? else {
            return Ok(None);
        };
        let f = Arc::new(f);
        if let Ok(mut map) = self.0.lock() {
            map.insert(folder.to_string(), (token, f.clone()));
        }
        Ok(Some(f))
    }
}

/// Accepts connections on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, ctx: Arc<ImapContext>) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!("imap: accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let ctx = ctx.clone();
        tokio::spawn(async move {
            if let Err(e) = session::run(stream, ctx).await {
                tracing::debug!("imap: {peer}: {e}");
            }
        });
    }
}

/// Binds the IMAP listener (an error names the address and what to do).
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, String> {
    TcpListener::bind(addr).await.map_err(|e| {
        format!(
            "cannot listen for IMAP on {addr}: {e} (another program uses the port? set \
             [serve] imap = \"127.0.0.1:PORT\" or \"off\")"
        )
    })
}
