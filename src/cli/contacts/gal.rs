//! The Global Address List for `easync contacts query`: Search `Store/Name` `GAL` (MS-ASCMD
//! 2.2.1.16, `Range` 0-49), answers cached for a few minutes in
//! `$XDG_CACHE_HOME/easync/gal-ACCOUNT.json`, keyed by the query, so a mail client asking again
//! for every key typed does not ask the server again.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::config::Account;
use crate::proto::search::{GalEntry, Query, Search, SearchResult, SearchStatus};
use crate::store::Store;

/// How long an answer of the directory is used again.
pub const CACHE_TTL: Duration = Duration::from_secs(10 * 60);
/// The most queries the cache keeps (the oldest go first).
const CACHE_QUERIES: usize = 200;
/// The shortest query servers answer ("most EAS servers do not send a response if the search
/// word is less than 3 chars", TbSync #213).
pub const MIN_QUERY_CHARS: usize = 3;
/// How long a lookup may wait for the server: a mail client is waiting.
const TIMEOUT: Duration = Duration::from_secs(15);

/// One directory entry that has an address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GalHit {
    pub address: String,
    pub name: Option<String>,
    pub title: Option<String>,
    pub company: Option<String>,
    pub phone: Option<String>,
}

impl GalHit {
    fn from_entry(e: &GalEntry) -> Option<Self> {
        let address = e.email_address.as_deref()?.trim().to_string();
        if !address.contains('@') {
            return None;
        }
        let full = [&e.first_name, &e.last_name]
            .into_iter()
            .filter_map(|p| p.as_deref())
            .collect::<Vec<_>>()
            .join(" ");
        let name = e
            .display_name
            .clone()
            .or_else(|| (!full.trim().is_empty()).then_some(full));
        Some(Self {
            address,
            name,
            title: e.title.clone(),
            company: e.company.clone(),
            phone: e.phone.clone().or_else(|| e.mobile_phone.clone()),
        })
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct CachedAnswer {
    /// Unix seconds of the answer.
    at: u64,
    hits: Vec<GalHit>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct CacheFile {
    queries: BTreeMap<String, CachedAnswer>,
}

/// The answers of one account's directory, on disk.
pub struct GalCache {
    path: PathBuf,
}

/// A name usable in a file name.
fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn key(query: &str) -> String {
    query.trim().to_lowercase()
}

impl GalCache {
    /// `$XDG_CACHE_HOME/easync/gal-ACCOUNT.json`; `None` without a home directory.
    pub fn for_account(account: &str) -> Option<Self> {
        use etcetera::BaseStrategy as _;
        let base = etcetera::choose_base_strategy().ok()?;
        let file = format!("gal-{}.json", file_safe(account));
        Some(Self {
            path: base.cache_dir().join("easync").join(file),
        })
    }

    fn read(&self) -> CacheFile {
        std::fs::read(&self.path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// The answer for `query` if it is younger than [`CACHE_TTL`].
    pub fn get(&self, query: &str, now: u64) -> Option<Vec<GalHit>> {
        let mut file = self.read();
        let a = file.queries.remove(&key(query))?;
        (now.saturating_sub(a.at) < CACHE_TTL.as_secs()).then_some(a.hits)
    }

    /// Keeps an answer (expired ones and the oldest beyond [`CACHE_QUERIES`] are dropped).
    /// A cache that cannot be written only costs the next query a request.
    pub fn put(&self, query: &str, hits: &[GalHit], now: u64) {
        let mut file = self.read();
        file.queries
            .retain(|_, a| now.saturating_sub(a.at) < CACHE_TTL.as_secs());
        file.queries.insert(
            key(query),
            CachedAnswer {
                at: now,
                hits: hits.to_vec(),
            },
        );
        while file.queries.len() > CACHE_QUERIES {
            let oldest = file.queries.iter().min_by_key(|(_, a)| a.at);
            let Some(k) = oldest.map(|(k, _)| k.clone()) else {
                break;
            };
            file.queries.remove(&k);
        }
        if let Err(e) = self.write(&file) {
            tracing::debug!("GAL cache {}: {e}", self.path.display());
        }
    }

    fn write(&self, file: &CacheFile) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = self
            .path
            .with_extension(format!("json.{}", std::process::id()));
        std::fs::write(&tmp, serde_json::to_vec(file)?)?;
        std::fs::rename(&tmp, &self.path)
    }
}

/// Asks the account's server: Search GAL for `query`, the first 50 matches.
pub async fn search(acct: &Account, db: &mut Store, query: &str) -> anyhow::Result<Vec<GalHit>> {
    let auth = acct
        .auth()
        .await
        .with_context(|| format!("account {}", acct.name))?;
    let mut opts = super::super::connect_options(acct);
    opts.timeout = Some(opts.timeout.map_or(TIMEOUT, |t| t.min(TIMEOUT)));
    let mut session = crate::sync::account::connect(db, &opts, auth).await?;
    let request = Search {
        query: Query::Gal(query.trim().to_string()),
        range: Some("0-49".into()),
    };
    let answer = session.execute(&request).await.context("Search GAL")?;
    let state = db.account()?;
    crate::sync::account::remember(db, &session, state)?;
    for status in [answer.status, answer.store_status].into_iter().flatten() {
        if status != SearchStatus::Success {
            anyhow::bail!("the directory answered Status {} ({status})", status.code());
        }
    }
    Ok(answer
        .results
        .iter()
        .filter_map(|r| match r {
            SearchResult::Gal(e) => GalHit::from_entry(e),
            SearchResult::Item { .. } => None,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_answers_within_its_ttl_by_query() {
        let dir = std::env::temp_dir().join(format!("easync-galcache-{}", std::process::id()));
        let cache = GalCache {
            path: dir.join("gal-a.json"),
        };
        let hit = GalHit {
            address: "bob@example.test".into(),
            name: Some("Bob".into()),
            title: None,
            company: None,
            phone: None,
        };
        assert_eq!(cache.get("bob", 1000), None);
        cache.put("Bob ", std::slice::from_ref(&hit), 1000);
        assert_eq!(cache.get(" bob", 1000 + 599), Some(vec![hit]));
        assert_eq!(cache.get("bob", 1000 + 600), None, "expired");
        cache.put("empty", &[], 1000);
        assert_eq!(
            cache.get("empty", 1001),
            Some(vec![]),
            "no match is an answer too"
        );
        assert_eq!(file_safe("work/mail"), "work_mail");
        let _ = std::fs::remove_dir_all(dir);
    }
}
