//! `easync mail search --server WORDS`: the whole mailbox searched on the server, for mail the
//! mirror does not hold (outside the synced window, or not synced yet). On EAS 16.1 with Find
//! (MS-ASCMD 2.2.1.2); before, with Search of the `Mailbox` store (2.2.1.16), one request per
//! mail folder (SOGo searches one folder per request), which Exchange 2016 and later answer
//! with Store Status 110. Results print like the local search; those the
//! mirror does not hold have no id (`-`).

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;

use crate::http::Session;
use crate::proto::classes::{ApplicationData, ItemClass};
use crate::proto::find::{Find, FindQuery, FindStatus, random_search_id};
use crate::proto::search::{Query, Search, SearchResult, SearchStatus};
use crate::proto::{CollectionId, ProtocolVersion};
use crate::store::{Store, StoredFolder};
use crate::text::one_line;

/// What the server found, as printed.
#[derive(Debug, Clone, serde::Serialize)]
struct Found {
    /// The mirror's id (`easync mail show ID`), when the mirror holds the mail.
    id: Option<i64>,
    folder: String,
    collection_id: String,
    server_id: Option<String>,
    long_id: Option<String>,
    date: Option<String>,
    from: Option<String>,
    subject: Option<String>,
    read: Option<bool>,
    preview: Option<String>,
}

/// The folder named on the command line: by name (case-insensitively) or server id.
fn resolve_folder(db: &Store, wanted: &str) -> anyhow::Result<StoredFolder> {
    let folders = db.folders()?;
    if let Some(f) = folders.iter().find(|f| f.server_id == wanted) {
        return Ok(f.clone());
    }
    let named: Vec<&StoredFolder> = folders
        .iter()
        .filter(|f| f.name.eq_ignore_ascii_case(wanted))
        .collect();
    match named.as_slice() {
        [one] => Ok((*one).clone()),
        [] => anyhow::bail!(
            "no folder {wanted:?} in the mirror: `easync folders` lists them (run `easync sync` \
             if it is new)"
        ),
        many => {
            let ids: Vec<&str> = many.iter().map(|f| f.server_id.as_str()).collect();
            anyhow::bail!(
                "{} folders are named {wanted:?}: name one by its id ({ids:?})",
                many.len()
            )
        }
    }
}

fn folder_name(folders: &[StoredFolder], id: &str) -> String {
    folders
        .iter()
        .find(|f| f.server_id == id)
        .map_or_else(|| id.to_string(), |f| f.name.clone())
}

fn status_error(command: &str, code: u16, meaning: &str) -> anyhow::Error {
    let hint = match (command, code) {
        ("Search", 110) => {
            return anyhow::anyhow!(
                "this server does not search the mailbox over ActiveSync: Search answered Status \
                 110, as Exchange 2016 and later do. EAS 16.1 searches with Find: set \
                 protocol_version = \"16.1\" for the account if the server offers it (Exchange \
                 Online does); the mirror is searched with `easync mail search WORDS`"
            );
        }
        ("Find", 3) | ("Search", 11) => ": the folder list is out of date, run `easync sync`",
        ("Search", 8) => ": the query is too complex for it, use fewer words",
        _ => "",
    };
    anyhow::anyhow!("the server refused the {command}: Status {code} ({meaning}){hint}")
}

async fn find(
    session: &mut Session,
    text: &str,
    folder: Option<&StoredFolder>,
    limit: u32,
) -> anyhow::Result<Vec<Found>> {
    let request = Find {
        search_id: random_search_id().context("a SearchId from the random source")?,
        query: FindQuery::Mailbox {
            free_text: text.to_string(),
            class: ItemClass::Email,
            collection_id: folder
                .map(|f| CollectionId::try_from(f.server_id.as_str()))
                .transpose()?,
            deep_traversal: folder.is_some(),
        },
        range: Some(format!("0-{}", limit - 1)),
    };
    let resp = session.execute(&request).await.context("Find")?;
    for s in [resp.status, resp.response_status].into_iter().flatten() {
        if s != FindStatus::Success {
            return Err(status_error("Find", s.code(), &s.to_string()));
        }
    }
    Ok(resp
        .results
        .into_iter()
        .filter_map(|r| {
            let Some(ApplicationData::Email(e)) = r.item else {
                return None;
            };
            Some(Found {
                id: None,
                folder: String::new(),
                collection_id: r.collection_id?.as_str().to_string(),
                server_id: r.server_id.map(|s| s.as_str().to_string()),
                long_id: None,
                date: e.date_received,
                from: e.from,
                subject: e.subject,
                read: e.read,
                preview: r.preview,
            })
        })
        .collect())
}

/// Search of the Mailbox in one folder (with its subfolders when `deep`).
async fn search_folder(
    session: &mut Session,
    text: &str,
    folder: &StoredFolder,
    deep: bool,
    limit: u32,
) -> anyhow::Result<Vec<Found>> {
    let request = Search {
        query: Query::Mailbox {
            free_text: text.to_string(),
            collection_ids: vec![CollectionId::try_from(folder.server_id.as_str())?],
            classes: vec![ItemClass::Email],
            deep_traversal: deep,
        },
        range: Some(format!("0-{}", limit - 1)),
    };
    let resp = session.execute(&request).await.context("Search")?;
    for s in [resp.status, resp.store_status].into_iter().flatten() {
        if s != SearchStatus::Success {
            return Err(status_error("Search", s.code(), &s.to_string()));
        }
    }
    Ok(resp.results.into_iter().filter_map(found_of).collect())
}

fn found_of(r: SearchResult) -> Option<Found> {
    let SearchResult::Item {
        long_id,
        collection_id,
        item: ApplicationData::Email(e),
        ..
    } = r
    else {
        return None;
    };
    let preview = e.body.as_ref().and_then(|b| b.preview.clone());
    Some(Found {
        id: None,
        folder: String::new(),
        collection_id: collection_id?.as_str().to_string(),
        server_id: None,
        long_id,
        date: e.date_received,
        from: e.from,
        subject: e.subject,
        read: e.read,
        preview,
    })
}

/// Search of the Mailbox: `folder` with its subfolders, or every mirrored mail folder one
/// request each — SOGo looks only in a request's last CollectionId (the
/// `search-one-collection` switch of the simulator), so several in one request would miss
/// mail; merged newest first.
async fn search(
    session: &mut Session,
    folders: &[StoredFolder],
    text: &str,
    folder: Option<&StoredFolder>,
    limit: u32,
) -> anyhow::Result<Vec<Found>> {
    if let Some(f) = folder {
        return search_folder(session, text, f, true, limit).await;
    }
    let mut all = Vec::new();
    for f in folders
        .iter()
        .filter(|f| f.class.as_deref() == Some("Email"))
    {
        all.extend(search_folder(session, text, f, false, limit).await?);
    }
    all.sort_by(|a, b| b.date.cmp(&a.date));
    all.truncate(limit as usize);
    Ok(all)
}

/// Fills in the folder names and the mirror's ids: by ServerId (Find), else by folder, date
/// and subject (Search names mails by an opaque LongId).
fn place(db: &Store, folders: &[StoredFolder], found: &mut [Found]) -> anyhow::Result<()> {
    for f in found {
        f.folder = folder_name(folders, &f.collection_id);
        f.id = match (&f.server_id, &f.date) {
            (Some(sid), _) => db.item_id(&f.collection_id, sid)?,
            (None, Some(date)) => {
                let subject = f.subject.as_deref().unwrap_or("");
                db.mail_received(&f.collection_id, date, subject)?
            }
            (None, None) => None,
        };
    }
    Ok(())
}

fn render(found: &[Found], json: bool) -> String {
    let mut s = String::new();
    for r in found {
        if json {
            let _ = writeln!(s, "{}", serde_json::to_string(r).unwrap_or_default());
            continue;
        }
        let unread = if r.read == Some(false) { "*" } else { " " };
        let field = |v: &Option<String>| one_line(v.as_deref().unwrap_or("")).into_owned();
        let id = r.id.map_or_else(|| "-".to_string(), |i| i.to_string());
        let _ = writeln!(
            s,
            "{id:>6} {unread} {:<24} {:<30} {}",
            field(&r.date).get(..16).unwrap_or(""),
            field(&r.from).chars().take(30).collect::<String>(),
            field(&r.subject)
        );
    }
    s
}

/// The search on the server; `limit` is clamped to what the command allows (Find 1000,
/// Search 100).
pub async fn execute(
    config_file: Option<&Path>,
    account: Option<&str>,
    json: bool,
    text: &str,
    folder: Option<&str>,
    limit: u32,
) -> anyhow::Result<()> {
    let acct = super::load_account(config_file, account)?;
    let mut db = super::open_synced(&acct)?;
    let folders = db.folders()?;
    let folder = folder.map(|f| resolve_folder(&db, f)).transpose()?;
    let auth = acct
        .auth()
        .await
        .with_context(|| format!("account {}", acct.name))?;
    let opts = super::connect_options(&acct);
    let mut session = crate::sync::account::connect(&mut db, &opts, auth).await?;
    let with_find = session.version() >= ProtocolVersion::V16_1;
    let mut found = if with_find {
        find(&mut session, text, folder.as_ref(), limit.clamp(1, 1000)).await?
    } else {
        search(
            &mut session,
            &folders,
            text,
            folder.as_ref(),
            limit.clamp(1, 100),
        )
        .await?
    };
    let state = db.account()?;
    crate::sync::account::remember(&mut db, &session, state)?;
    place(&db, &folders, &mut found)?;
    super::write_stdout(render(&found, json).as_bytes())?;
    summary(&found, if with_find { "Find" } else { "Search" }, limit);
    Ok(())
}

/// A line on stderr: how many were found, how many the mirror lacks.
fn summary(found: &[Found], command: &str, limit: u32) {
    let missing = found.iter().filter(|f| f.id.is_none()).count();
    let mut line = format!("easync: {} found on the server ({command})", found.len());
    if missing > 0 {
        let _ = write!(
            line,
            "; {missing} not in the mirror (id -): outside the synced window or not synced yet"
        );
    }
    if found.len() as u32 >= limit {
        line.push_str("; there may be more (--limit)");
    }
    eprintln!("{line}");
}
