//! Every response body of the SOGo conversation decodes with its command's types (the command
//! is read from the capture's request line), and no Sync item has elements the class tables do
//! not name: the tables cover what a real server sends.

use std::fs;
use std::path::Path;

use easync::proto::ProtocolVersion;
use easync::proto::classes::ApplicationData;
use easync::proto::sync::{ServerCommand, Sync};

fn decode_by_name(cmd: &str, body: &[u8], v: ProtocolVersion) -> Result<String, String> {
    use easync::proto::*;
    let e = |e: ProtoError| e.to_string();
    Ok(match cmd {
        "FolderSync" => format!(
            "{:?}",
            foldersync::FolderSync {
                sync_key: SyncKey::initial()
            }
            .decode(body, v)
            .map_err(e)?
            .status
        ),
        "FolderCreate" | "FolderUpdate" | "FolderDelete" => {
            // The three share one response shape, each decoder checks its own root.
            let id = || CollectionId::try_from("x").unwrap();
            match cmd {
                "FolderCreate" => format!(
                    "{:?}",
                    folders::FolderCreate {
                        sync_key: SyncKey::initial(),
                        parent_id: CollectionId::try_from("0").unwrap(),
                        display_name: String::new(),
                        folder_type: foldersync::FolderType::UserMail
                    }
                    .decode(body, v)
                    .map_err(e)?
                    .status
                ),
                "FolderUpdate" => format!(
                    "{:?}",
                    folders::FolderUpdate {
                        sync_key: SyncKey::initial(),
                        server_id: id(),
                        parent_id: CollectionId::try_from("0").unwrap(),
                        display_name: String::new()
                    }
                    .decode(body, v)
                    .map_err(e)?
                    .status
                ),
                _ => format!(
                    "{:?}",
                    folders::FolderDelete {
                        sync_key: SyncKey::initial(),
                        server_id: id()
                    }
                    .decode(body, v)
                    .map_err(e)?
                    .status
                ),
            }
        }
        "Sync" => {
            let resp = Sync::default().decode(body, v).map_err(e)?;
            for c in &resp.collections {
                for cmd in &c.commands {
                    if let ServerCommand::Add { data, .. } | ServerCommand::Change { data, .. } =
                        cmd
                    {
                        let extra = match data {
                            ApplicationData::Email(x) => x.extra.len(),
                            ApplicationData::Contact(x) => x.extra.len(),
                            ApplicationData::Event(x) => x.extra.len(),
                            ApplicationData::Task(x) => x.extra.len(),
                            ApplicationData::Note(x) => x.extra.len(),
                            ApplicationData::Other(o) => {
                                return Err(format!("untyped item {:?}", o.tag));
                            }
                        };
                        if extra != 0 {
                            return Err(format!("untyped elements in {data:?}"));
                        }
                    }
                }
            }
            format!("{} collections", resp.collections.len())
        }
        "GetItemEstimate" => format!(
            "{:?}",
            getitemestimate::GetItemEstimate {
                collections: vec![]
            }
            .decode(body, v)
            .map_err(e)?
        ),
        "ItemOperations" => format!(
            "{:?}",
            itemoperations::ItemOperations::default()
                .decode(body, v)
                .map_err(e)?
                .status
        ),
        "MoveItems" => format!(
            "{:?}",
            moveitems::MoveItems { moves: vec![] }
                .decode(body, v)
                .map_err(e)?
        ),
        "Ping" => format!(
            "{:?}",
            ping::Ping::default().decode(body, v).map_err(e)?.status
        ),
        "Provision" => format!(
            "{:?}",
            provision::Provision::Request {
                device_information: None
            }
            .decode(body, v)
            .map_err(e)?
            .status
        ),
        "ResolveRecipients" => format!(
            "{:?}",
            resolverecipients::ResolveRecipients::default()
                .decode(body, v)
                .map_err(e)?
                .status
        ),
        "Search" => format!(
            "{:?}",
            search::Search {
                query: search::Query::Gal(String::new()),
                range: None
            }
            .decode(body, v)
            .map_err(e)?
            .status
        ),
        "Settings" => format!(
            "{:?}",
            settings::Settings::default()
                .decode(body, v)
                .map_err(e)?
                .status
        ),
        other => return Err(format!("no decoder for {other}")),
    })
}

#[test]
fn every_captured_response_decodes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sogo/captures");
    let mut names: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".resp.wbxml"))
        .collect();
    names.sort();
    let mut failures = Vec::new();
    for name in &names {
        let http = fs::read_to_string(dir.join(name.replace(".resp.wbxml", ".http"))).unwrap();
        let cmd = http
            .split("Cmd=")
            .nth(1)
            .unwrap()
            .split('&')
            .next()
            .unwrap();
        let version = http
            .lines()
            .find_map(|l| l.strip_prefix("> MS-ASProtocolVersion: "))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(ProtocolVersion::V14_1);
        let body = fs::read(dir.join(name)).unwrap();
        if let Err(why) = decode_by_name(cmd, &body, version) {
            failures.push(format!("{name} ({cmd}): {why}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(names.len() >= 50, "only {} responses", names.len());
}
