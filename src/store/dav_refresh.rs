//! Bringing `dav_resources` (migration 10) up to date with the mirror and the journal: what
//! easync serve's CalDAV/CardDAV side shows is every contact, event and task of the mirror (a
//! pending edit shown as written) and every Add a DAV client made that the server has not
//! taken yet. A resource whose ETag changed, a new one and a removed one get the next change
//! number (RFC 6578 tokens); an Add the server took keeps its name (its journal row is adopted
//! here, in the same transaction).

use std::collections::HashMap;

use rusqlite::{Connection, Transaction, TransactionBehavior, params};

use super::items::exec;
use super::{Store, StoreError};

/// What a resource shows: an item of the mirror, or the journal's Add not taken yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Item(i64),
    Add(i64),
}

/// A resource as it should be now.
struct Wanted {
    folder: String,
    /// The name a new row takes (an Add: the one its client chose).
    name: String,
    etag: String,
}

/// A resource as it was shown last.
struct Shown {
    id: i64,
    folder: String,
    key: Key,
    etag: String,
}

/// One step of bringing the table up to date.
enum Op {
    Etag(i64, String),
    Gone(i64),
    New(Key, Wanted),
}

/// FNV-1a, 64 bits: the ETag of an Add's text.
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn extension(class: &str) -> &'static str {
    if class == "Contacts" { "vcf" } else { "ics" }
}

/// The last segment of a DAV Add's `path` (its href).
pub(super) fn name_of(path: &str) -> String {
    path.rsplit('/').next().unwrap_or(path).to_string()
}

const ITEMS: &str = "SELECT i.id, f.server_id, i.class, i.changed_seq, \
     (SELECT max(c.id) FROM changes c WHERE c.item_id = i.id AND c.kind = 'change' \
        AND c.state = 'pending') \
     FROM items i JOIN folders f ON f.id = i.folder_id \
     WHERE f.class IN ('Calendar', 'Tasks', 'Contacts') AND f.orphaned = 0 \
     AND i.soft_deleted < 2 AND i.decode_error IS NULL \
     AND NOT EXISTS (SELECT 1 FROM changes c WHERE c.item_id = i.id \
        AND c.state = 'pending' AND c.kind IN ('move', 'delete'))";

/// A DAV Add the server has not taken (or refused: it stays shown, as a vdir keeps its file).
const ADDS: &str = "SELECT id, folder_server_id, payload ->> '$.path', payload ->> '$.text' \
     FROM changes WHERE kind = 'add' AND origin = 'dav' \
     AND state IN ('pending', 'failed', 'conflict')";

fn wanted(conn: &Connection) -> rusqlite::Result<HashMap<Key, Wanted>> {
    let mut out = HashMap::new();
    let mut st = conn.prepare_cached(ITEMS)?;
    let rows = st.query_map([], |r| {
        let (id, folder, class): (i64, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
        let (seq, edit): (i64, Option<i64>) = (r.get(3)?, r.get(4)?);
        let etag = match edit {
            Some(c) => format!("m{id}-{seq}-j{c}"),
            None => format!("m{id}-{seq}"),
        };
        let name = format!("easync-{id}.{}", extension(&class));
        Ok((Key::Item(id), Wanted { folder, name, etag }))
    })?;
    for r in rows {
        let (k, w) = r?;
        out.insert(k, w);
    }
    let mut st = conn.prepare_cached(ADDS)?;
    let rows = st.query_map([], |r| {
        let (id, folder): (i64, String) = (r.get(0)?, r.get(1)?);
        let (path, text): (Option<String>, Option<String>) = (r.get(2)?, r.get(3)?);
        let text = text.unwrap_or_default();
        let w = Wanted {
            folder,
            name: name_of(&path.unwrap_or_default()),
            etag: format!("a{id}-{:016x}", fnv(&text)),
        };
        Ok((Key::Add(id), w))
    })?;
    for r in rows {
        let (k, w) = r?;
        out.insert(k, w);
    }
    Ok(out)
}

fn shown(conn: &Connection) -> rusqlite::Result<Vec<Shown>> {
    let mut st = conn.prepare_cached(
        "SELECT id, folder_server_id, item_id, change_id, etag FROM dav_resources \
         WHERE etag IS NOT NULL",
    )?;
    let rows = st.query_map([], |r| {
        let (item, change): (Option<i64>, Option<i64>) = (r.get(2)?, r.get(3)?);
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            item,
            change,
            r.get::<_, String>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for r in rows {
        let (id, folder, item, change, etag) = r?;
        let key = match (item, change) {
            (Some(i), _) => Key::Item(i),
            (None, Some(c)) => Key::Add(c),
            // The item left the mirror (the foreign key cleared it): gone.
            (None, None) => Key::Add(-id),
        };
        out.push(Shown {
            id,
            folder,
            key,
            etag,
        });
    }
    Ok(out)
}

/// What differs between what was shown and what should be.
fn plan(conn: &Connection) -> rusqlite::Result<Vec<Op>> {
    let mut want = wanted(conn)?;
    let mut ops = Vec::new();
    for s in shown(conn)? {
        match want.remove(&s.key) {
            Some(w) if w.folder == s.folder => {
                if w.etag != s.etag {
                    ops.push(Op::Etag(s.id, w.etag));
                }
            }
            // Gone, or moved to another collection (a new resource there).
            other => {
                ops.push(Op::Gone(s.id));
                if let Some(w) = other {
                    ops.push(Op::New(s.key, w));
                }
            }
        }
    }
    // Gone rows first: a moved item's new row takes its item id.
    let mut new: Vec<Op> = want.into_iter().map(|(k, w)| Op::New(k, w)).collect();
    new.sort_by_key(|o| match o {
        Op::New(Key::Item(i) | Key::Add(i), _) => *i,
        _ => 0,
    });
    ops.sort_by_key(|o| !matches!(o, Op::Gone(_)));
    ops.extend(new);
    Ok(ops)
}

/// A DAV Add the server took, whose item is in the mirror.
struct Taken {
    change: i64,
    item: i64,
    folder: String,
    name: String,
    uid: Option<String>,
}

fn taken(conn: &Connection) -> rusqlite::Result<Vec<Taken>> {
    let mut st = conn.prepare_cached(
        "SELECT id, item_id, folder_server_id, payload ->> '$.path', payload ->> '$.text' \
         FROM changes WHERE kind = 'add' AND origin = 'dav' AND state = 'added' \
         AND item_id IS NOT NULL",
    )?;
    st.query_map([], |r| {
        let (path, text): (Option<String>, Option<String>) = (r.get(3)?, r.get(4)?);
        Ok(Taken {
            change: r.get(0)?,
            item: r.get(1)?,
            folder: r.get(2)?,
            name: name_of(&path.unwrap_or_default()),
            uid: text.as_deref().and_then(uid_of),
        })
    })?
    .collect()
}

/// The value of the first `UID` content line of a vCard or iCalendar text (RFC 6350 6.7.6,
/// RFC 5545 3.8.4.7), unfolded.
pub(super) fn uid_of(text: &str) -> Option<String> {
    let mut lines = text.split('\n').map(|l| l.trim_end_matches('\r'));
    let first = lines.find(|l| {
        let head = l.split([':', ';']).next().unwrap_or("");
        head.eq_ignore_ascii_case("UID")
    })?;
    let mut value = first.split_once(':')?.1.to_string();
    for more in lines.take_while(|l| l.starts_with([' ', '\t'])) {
        value.push_str(&more[1..]);
    }
    Some(value.trim().to_string()).filter(|v| !v.is_empty())
}

/// The Add's row now shows the server's item (same name, same UID); the journal row goes.
fn adopt(tx: &Transaction<'_>, t: &Taken) -> rusqlite::Result<()> {
    let moved = exec(
        tx,
        "UPDATE dav_resources SET item_id = ?2, change_id = NULL, uid = ?3 WHERE change_id = ?1",
        params![t.change, t.item, t.uid],
    )?;
    if moved == 0 {
        // Never shown as an Add (taken before any DAV request looked): named as its client said.
        exec(
            tx,
            "INSERT INTO dav_resources (folder_server_id, name, item_id, etag, seq, uid) \
             VALUES (?1, ?2, ?3, '', 0, ?4) ON CONFLICT (folder_server_id, name) DO UPDATE \
             SET item_id = excluded.item_id, change_id = NULL, etag = '', seq = 0, \
             uid = excluded.uid",
            params![t.folder, t.name, t.item, t.uid],
        )?;
    }
    exec(tx, "DELETE FROM changes WHERE id = ?1", [t.change])?;
    Ok(())
}

fn apply(tx: &Transaction<'_>, ops: Vec<Op>, seq: i64) -> rusqlite::Result<()> {
    for op in ops {
        match op {
            Op::Etag(id, etag) => exec(
                tx,
                "UPDATE dav_resources SET etag = ?2, seq = ?3 WHERE id = ?1",
                params![id, etag, seq],
            )?,
            Op::Gone(id) => exec(
                tx,
                "UPDATE dav_resources SET etag = NULL, item_id = NULL, change_id = NULL, \
                 uid = NULL, seq = ?2 WHERE id = ?1",
                params![id, seq],
            )?,
            Op::New(key, w) => insert(tx, key, &w, seq)?,
        };
    }
    exec(tx, "UPDATE dav_state SET seq = ?1 WHERE id = 1", [seq])?;
    Ok(())
}

/// A new resource under its name, or — when a shown resource holds that name — a name made
/// from the change number.
fn insert(tx: &Transaction<'_>, key: Key, w: &Wanted, seq: i64) -> rusqlite::Result<usize> {
    let held: bool = tx.query_row(
        "SELECT count(*) > 0 FROM dav_resources WHERE folder_server_id = ?1 AND name = ?2 \
         AND etag IS NOT NULL",
        params![w.folder, w.name],
        |r| r.get(0),
    )?;
    let name = match held {
        false => w.name.clone(),
        true => match w.name.rsplit_once('.') {
            Some((stem, ext)) => format!("{stem}-{seq}.{ext}"),
            None => format!("{}-{seq}", w.name),
        },
    };
    let (item, change) = match key {
        Key::Item(i) => (Some(i), None),
        Key::Add(c) => (None, Some(c)),
    };
    exec(
        tx,
        "INSERT INTO dav_resources (folder_server_id, name, item_id, change_id, etag, seq) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (folder_server_id, name) DO UPDATE \
         SET item_id = excluded.item_id, change_id = excluded.change_id, etag = excluded.etag, \
         seq = excluded.seq, uid = NULL",
        params![w.folder, name, item, change, w.etag, seq],
    )
}

impl Store {
    /// Brings what the DAV side shows up to date; writes (one transaction) only when something
    /// changed.
    pub fn dav_refresh(&mut self) -> Result<(), StoreError> {
        let quiet = taken(&self.conn)
            .and_then(|t| Ok(t.is_empty() && plan(&self.conn)?.is_empty()))
            .map_err(|e| self.err(e))?;
        if quiet {
            return Ok(());
        }
        let path = self.path.clone();
        let sqlite = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sqlite)?;
        for t in taken(&tx).map_err(sqlite)? {
            adopt(&tx, &t).map_err(sqlite)?;
        }
        let ops = plan(&tx).map_err(sqlite)?;
        let seq: i64 = tx
            .query_row("SELECT seq + 1 FROM dav_state WHERE id = 1", [], |r| {
                r.get(0)
            })
            .map_err(sqlite)?;
        apply(&tx, ops, seq).map_err(sqlite)?;
        tx.commit().map_err(sqlite)
    }
}

#[cfg(test)]
mod tests {
    use super::uid_of;

    #[test]
    fn the_uid_is_read_unfolded_with_parameters_and_any_case() {
        let card =
            "BEGIN:VCARD\r\nVERSION:3.0\r\nuid;VALUE=text:abc-\r\n def\r\nFN:X\r\nEND:VCARD\r\n";
        assert_eq!(uid_of(card).as_deref(), Some("abc-def"));
        assert_eq!(uid_of("BEGIN:VCARD\nFN:X\nEND:VCARD\n"), None);
        assert_eq!(uid_of("UIDX:1\nUID:2\n").as_deref(), Some("2"));
    }
}
