//! The initial folder tree (every default folder type of MS-ASCMD 2.2.3.186.3, nested user
//! folders of each class) and how the generated items are spread over it.

use super::SimConfig;
use super::mailbox::{Folder, Kind, Mailbox};

/// The class of a folder type.
pub fn kind_of(folder_type: u16) -> Kind {
    match folder_type {
        7 | 15 => Kind::Tasks,
        8 | 13 => Kind::Calendar,
        9 | 14 => Kind::Contacts,
        10 | 17 => Kind::Notes,
        _ => Kind::Mail,
    }
}

/// (id, parent, name, type).
const TREE: [(&str, &str, &str, u16); 15] = [
    ("inbox", "0", "Inbox", 2),
    ("drafts", "0", "Drafts", 3),
    ("deleted", "0", "Deleted Items", 4),
    ("sent", "0", "Sent Items", 5),
    ("outbox", "0", "Outbox", 6),
    ("tasks", "0", "Tasks", 7),
    ("calendar", "0", "Calendar", 8),
    ("contacts", "0", "Contacts", 9),
    ("notes", "0", "Notes", 10),
    ("journal", "0", "Journal", 11),
    ("projects", "inbox", "Projekte – 2026", 12),
    ("projects-q4", "projects", "Q4 Übergabe", 12),
    ("team", "calendar", "Team calendar", 13),
    ("suppliers", "contacts", "Lieferanten", 14),
    ("errands", "tasks", "Errands", 15),
];

/// The mailbox a configuration describes: 80 % of the mail in the Inbox, 10 % in Sent Items,
/// 5 % in each project folder; 90 % of contacts and events in the default folders, the rest in
/// the user folders; all tasks in Tasks.
pub fn populate(config: &SimConfig) -> Mailbox {
    let mut folders: Vec<Folder> = TREE
        .iter()
        .map(|&(id, parent, name, t)| Folder::new(id, parent, name, t, kind_of(t)))
        .collect();
    if config.extra_folders > 0 {
        folders.push(Folder::new("archive", "0", "Archive", 12, Kind::Mail));
        for n in 1..=config.extra_folders {
            let id = format!("archive-{n}");
            folders.push(Folder::new(
                &id,
                "archive",
                &format!("Archiv {n}"),
                12,
                Kind::Mail,
            ));
        }
    }
    let mut fill = |id: &str, n: u32| {
        let f = folders
            .iter_mut()
            .find(|f| f.id == id)
            .expect("a folder of TREE");
        for _ in 0..n {
            f.push(0, None, None);
        }
    };
    let e = config.emails;
    let (sent, project) = (e / 10, e / 20);
    fill("inbox", e - sent - 2 * project);
    fill("sent", sent);
    fill("projects", project);
    fill("projects-q4", project);
    fill("contacts", config.contacts - config.contacts / 10);
    fill("suppliers", config.contacts / 10);
    fill("calendar", config.events - config.events / 10);
    fill("team", config.events / 10);
    fill("tasks", config.tasks);
    Mailbox {
        seed: config.seed,
        modseq: 0,
        hierarchy_gen: 1,
        folders,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_lands_in_a_folder_of_its_class() {
        let config = SimConfig {
            emails: 1001,
            contacts: 33,
            events: 21,
            tasks: 5,
            extra_folders: 3,
            ..SimConfig::default()
        };
        let mb = populate(&config);
        let count = |k: Kind| -> usize {
            mb.folders
                .iter()
                .filter(|f| f.kind == k)
                .map(|f| f.items.len())
                .sum()
        };
        assert_eq!(count(Kind::Mail), 1001);
        assert_eq!(count(Kind::Contacts), 33);
        assert_eq!(count(Kind::Calendar), 21);
        assert_eq!(count(Kind::Tasks), 5);
        assert_eq!(mb.folders.len(), TREE.len() + 4);
        for f in &mb.folders {
            assert!(
                f.parent == "0" || mb.folder(&f.parent).is_some(),
                "{}",
                f.id
            );
        }
    }
}
