//! The pure planner of one collection's server commands (MS-ASCMD 2.2.3.32 `Commands`): one
//! ordered list of store operations, in the order the server sent them.
//!
//! - An `Add` puts the whole item.
//! - A `Change` is merged into the item held — the store's, or the one an earlier command of
//!   the same response put ([`super::merge`]) — and puts the result. A Change for a ServerId
//!   that is not held creates nothing: it is reported, and the item comes with its Add or the
//!   next full pass.
//! - A `Change` or `Delete` with an `InstanceId` (16.x) is about one occurrence of a series.
//! - `Delete` and `SoftDelete` keep their places: `Delete x, Add x` leaves x present.

use std::collections::{HashMap, HashSet};

use crate::model::Exception;
use crate::proto::classes::ApplicationData;
use crate::proto::sync::ServerCommand;
use crate::store::{InstanceChange, ItemOp, RawRecord};

use super::{SyncError, convert, merge};

/// The operations of one collection's commands.
#[derive(Debug, Default)]
pub struct CollectionPlan {
    pub ops: Vec<ItemOp>,
    /// Changes for items not held and not settled by a later Add or Delete of the same
    /// response: nothing was created for them (the driver fetches them whole).
    pub unknown_changes: Vec<String>,
}

/// Looks up the item held under a ServerId (typed again from the store).
pub type Held<'a> = dyn FnMut(&str) -> Result<Option<ApplicationData>, SyncError> + 'a;

/// Plans `commands` (of a folder of `class`) in order. `held` is asked only for items the response has not touched yet.
pub fn plan_commands(
    commands: Vec<ServerCommand>,
    class: &str,
    held: &mut Held<'_>,
) -> Result<CollectionPlan, SyncError> {
    let mut plan = CollectionPlan::default();
    // What this response made of an item so far: `None` once deleted.
    let mut seen: HashMap<String, Option<ApplicationData>> = HashMap::new();
    // Items a SoftDelete settled: a Change before it must not bring the item back.
    let mut settled: HashSet<String> = HashSet::new();
    for cmd in commands {
        match cmd {
            ServerCommand::Change { server_id, data } if convert::instance(&data).is_some() => {
                let exception = convert::instance(&data).expect("checked by the guard");
                plan.ops.push(ItemOp::Instance(InstanceChange {
                    server_id: server_id.to_string(),
                    exception,
                }));
            }
            ServerCommand::Add { server_id, data } => {
                plan.ops
                    .push(ItemOp::Put(record(server_id.as_str(), &data)?));
                seen.insert(server_id.to_string(), Some(data));
            }
            ServerCommand::Change { server_id, data } => {
                let id = server_id.to_string();
                let base = match seen.get(&id) {
                    Some(now) => now.clone(),
                    None => held(&id)?,
                };
                let Some(base) = base else {
                    tracing::info!(item = %id, "a Change for an item not held: nothing created");
                    plan.unknown_changes.push(id);
                    continue;
                };
                let merged = merge::apply_change(base, data);
                plan.ops.push(ItemOp::Put(record(&id, &merged)?));
                seen.insert(id, Some(merged));
            }
            // A per-occurrence delete (16.x InstanceId) cancels one occurrence, not the series.
            ServerCommand::Delete {
                server_id,
                instance_id: Some(instance),
            } => plan.ops.push(ItemOp::Instance(InstanceChange {
                server_id: server_id.to_string(),
                exception: Exception {
                    original_start: Some(convert::instant_key(&instance)),
                    deleted: true,
                    ..Exception::default()
                },
            })),
            ServerCommand::Delete { server_id, .. } => {
                plan.ops.push(ItemOp::Delete(server_id.to_string()));
                seen.insert(server_id.to_string(), None);
            }
            ServerCommand::SoftDelete { server_id } => {
                settled.insert(server_id.to_string());
                plan.ops.push(ItemOp::SoftDelete(server_id.to_string()))
            }
            // Kept as received (MS-ASCMD gives the client no way to refuse one item), counted
            // and reported; the folder's key advances.
            ServerCommand::Undecodable {
                server_id,
                data,
                error,
                ..
            } => {
                tracing::warn!(item = %server_id, %error, "an item that could not be typed is kept raw");
                plan.ops.push(ItemOp::Undecodable(RawRecord {
                    server_id: server_id.to_string(),
                    class: class.to_string(),
                    raw: data.encode().unwrap_or_default(),
                    error,
                }));
            }
        }
    }
    // A Change before its Add, Delete or SoftDelete in the same response: settled by it.
    plan.unknown_changes
        .retain(|id| !seen.contains_key(id) && !settled.contains(id));
    plan.unknown_changes.sort();
    plan.unknown_changes.dedup();
    Ok(plan)
}

fn record(server_id: &str, data: &ApplicationData) -> Result<crate::model::ItemRecord, SyncError> {
    convert::record(server_id, data).map_err(|e| SyncError::Server(e.to_string()))
}

/// How many items the operations take out of the folder (deletions and soft deletions).
pub fn removals(ops: &[ItemOp]) -> usize {
    ops.iter()
        .filter(|op| matches!(op, ItemOp::Delete(_) | ItemOp::SoftDelete(_)))
        .count()
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
