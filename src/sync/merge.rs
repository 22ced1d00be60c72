//! A server's Change applied to the item held: a merge, never a replacement (MS-ASCMD
//! 2.2.3.24: a Change in a Sync response "contains properties of an existing object … that
//! were modified").
//!
//! | class | what servers send in a Change | what easync does |
//! |---|---|---|
//! | Email | only what changed: `Read`, `Flag`, `Categories`, `LastVerbExecuted` (MS-ASEMAIL 2.2.2; captured from a real server in `shared/eas/server-behaviour/sync-email-partial-change`) | merge element by element: subject, sender, body, attachments, preview stay |
//! | Contacts, Calendar, Tasks, Notes, carrying a Body | the whole item (Exchange, Z-Push/grommunio and SOGo rewrite PIM items whole) | the Change replaces the item, so a property removed on the server goes; a contact's `Picture` the Change leaves out is kept (MS-ASCNTC `Picture`: absent means unchanged, empty means removed) |
//! | the same, without a Body | the properties that changed | merge element by element |
//!
//! 16.x changes of one occurrence (a Change with an `InstanceId`) never reach this: they are
//! kept on their own ([`crate::store::InstanceChange`]).

use crate::proto::classes::ApplicationData;

/// The item after `change` is applied to `held`.
pub fn apply_change(held: ApplicationData, change: ApplicationData) -> ApplicationData {
    match (held, change) {
        (ApplicationData::Email(mut held), ApplicationData::Email(change)) => {
            held.merge(*change);
            ApplicationData::Email(held)
        }
        (held, change) if is_whole(&change) => keep_omitted(held, change),
        (mut held, change) => {
            held.merge(change);
            held
        }
    }
}

/// A PIM Change that carries the item's body is the whole item.
fn is_whole(change: &ApplicationData) -> bool {
    match change {
        ApplicationData::Contact(c) => c.body.is_some(),
        ApplicationData::Event(e) => e.body.is_some(),
        ApplicationData::Task(t) => t.body.is_some(),
        ApplicationData::Note(n) => n.body.is_some(),
        ApplicationData::Email(_) | ApplicationData::Other(_) => false,
    }
}

/// A whole-item Change, with what such a Change leaves out on purpose taken from `held`.
fn keep_omitted(held: ApplicationData, mut change: ApplicationData) -> ApplicationData {
    if let (ApplicationData::Contact(held), ApplicationData::Contact(change)) = (&held, &mut change)
        && change.picture.is_none()
    {
        change.picture = held.picture.clone();
    }
    change
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::classes::airsyncbase::Body;
    use crate::proto::classes::contacts::Contact;
    use crate::proto::classes::email::{Email, Flag};

    fn mail() -> ApplicationData {
        ApplicationData::Email(Box::new(Email {
            subject: Some("Quarterly report".into()),
            from: Some("ana@example.com".into()),
            read: Some(false),
            body: Some(Body {
                body_type: Some(1),
                data: Some("the whole body".into()),
                ..Body::default()
            }),
            ..Email::default()
        }))
    }

    #[test]
    fn read_only_change_keeps_subject_sender_and_body() {
        let change = ApplicationData::Email(Box::new(Email {
            read: Some(true),
            flag: Some(Flag {
                status: Some(2),
                ..Flag::default()
            }),
            ..Email::default()
        }));
        let ApplicationData::Email(m) = apply_change(mail(), change) else {
            panic!("an email stays an email");
        };
        assert_eq!(m.read, Some(true));
        assert_eq!(m.flag.and_then(|f| f.status), Some(2));
        assert_eq!(m.subject.as_deref(), Some("Quarterly report"));
        assert_eq!(m.from.as_deref(), Some("ana@example.com"));
        assert_eq!(
            m.body.and_then(|b| b.data).as_deref(),
            Some("the whole body")
        );
    }

    #[test]
    fn whole_contact_change_drops_removed_fields_keeps_picture() {
        let held = ApplicationData::Contact(Box::new(Contact {
            first_name: Some("Ana".into()),
            mobile_phone_number: Some("+49 1".into()),
            picture: Some("cGhvdG8=".into()),
            ..Contact::default()
        }));
        let change = ApplicationData::Contact(Box::new(Contact {
            first_name: Some("Anna".into()),
            body: Some(Body::default()),
            ..Contact::default()
        }));
        let ApplicationData::Contact(c) = apply_change(held, change) else {
            panic!("a contact stays a contact");
        };
        assert_eq!(c.first_name.as_deref(), Some("Anna"));
        assert_eq!(c.mobile_phone_number, None, "removed on the server");
        assert_eq!(c.picture.as_deref(), Some("cGhvdG8="), "absent = unchanged");
    }

    #[test]
    fn partial_contact_change_is_merged() {
        let held = ApplicationData::Contact(Box::new(Contact {
            first_name: Some("Ana".into()),
            mobile_phone_number: Some("+49 1".into()),
            ..Contact::default()
        }));
        let change = ApplicationData::Contact(Box::new(Contact {
            job_title: Some("CTO".into()),
            ..Contact::default()
        }));
        let ApplicationData::Contact(c) = apply_change(held, change) else {
            panic!("a contact stays a contact");
        };
        assert_eq!(c.first_name.as_deref(), Some("Ana"));
        assert_eq!(c.job_title.as_deref(), Some("CTO"));
    }
}
