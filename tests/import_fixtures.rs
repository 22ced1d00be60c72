//! The import over files as khard, khal and todoman write them (`fixtures/import/`): each input
//! has the model it must give beside it (`NAME.expected`, the `{:#?}` of the result). On a
//! mismatch the test writes what it got to `NAME.failed`; `EASYNC_BLESS=1` writes the expected
//! files instead (review them before committing).

use std::path::{Path, PathBuf};

use easync::import;
use easync::model::Item;
use easync::proto::ProtocolVersion;
use easync::sync::to_proto::{self, Mode};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/import")
}

/// The import of one fixture, as text; every item it gives also converts for every version.
fn import(path: &Path, text: &str) -> String {
    let items: Vec<Item>;
    let shown = if path.extension().is_some_and(|e| e == "vcf") {
        let r = import::vcard::contact(text);
        items = r
            .iter()
            .map(|(c, _)| Item::Contact(Box::new(c.clone())))
            .collect();
        format!("{r:#?}")
    } else if text.contains("BEGIN:VTODO") {
        let r = import::ical::tasks(text);
        items = r
            .iter()
            .flatten()
            .map(|(t, _)| Item::Task(Box::new(t.clone())))
            .collect();
        format!("{r:#?}")
    } else {
        let r = import::ical::events(text);
        items = r
            .iter()
            .flatten()
            .map(|(e, _)| Item::Event(Box::new(e.clone())))
            .collect();
        match &r {
            Err(e) => format!("{r:#?}\n{e}"),
            Ok(_) => format!("{r:#?}"),
        }
    };
    for item in &items {
        for version in ProtocolVersion::ALL {
            for mode in [Mode::Add, Mode::Change] {
                if let Err(e) = to_proto::application_data(item, version, mode) {
                    panic!("{}: {version} {mode:?}: {e}", path.display());
                }
            }
        }
    }
    shown + "\n"
}

#[test]
fn fixtures_import_as_expected() {
    let bless = std::env::var_os("EASYNC_BLESS").is_some();
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "vcf" || e == "ics"))
        .collect();
    inputs.sort();
    let mut failed = Vec::new();
    for input in &inputs {
        let text = std::fs::read_to_string(input).unwrap();
        let got = import(input, &text);
        let expected = input.with_extension("expected");
        let failed_path = input.with_extension("failed");
        if bless {
            std::fs::write(&expected, &got).unwrap();
            continue;
        }
        match std::fs::read_to_string(&expected) {
            Ok(want) if want == got => {
                let _ = std::fs::remove_file(&failed_path);
            }
            _ => {
                std::fs::write(&failed_path, &got).unwrap();
                failed.push(input.file_name().unwrap().to_string_lossy().into_owned());
            }
        }
    }
    assert!(inputs.len() >= 10, "the fixtures ran: {}", inputs.len());
    assert!(failed.is_empty(), "see NAME.failed beside: {failed:?}");
}
