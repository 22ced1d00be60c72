//! Contacts (MS-ASCNTC), events (MS-ASCAL) and tasks (MS-ASTASK) into the model.

use base64::Engine;

use crate::model::{
    Address, Attendee, Contact, Event, Exception, Recurrence, Task, TimeZone, Transition,
};
use crate::proto::classes::airsyncbase::Body;
use crate::proto::classes::{self, timezone};

/// A non-empty string field.
fn text(v: &Option<String>) -> Option<String> {
    v.clone().filter(|s| !s.is_empty())
}

/// The texts of a list of string items (categories, children).
fn texts<T>(list: &Option<classes::List<T>>, text_of: impl Fn(&T) -> &String) -> Vec<String> {
    list.as_ref()
        .map(|l| l.items.iter().map(|x| text_of(x).clone()).collect())
        .unwrap_or_default()
}

/// The same recurrence fields in MS-ASCAL and MS-ASTASK, into the model.
macro_rules! recurrence {
    ($r:expr) => {
        $r.as_ref().map(|r| Recurrence {
            kind: r.recurrence_type,
            interval: r.interval,
            occurrences: r.occurrences,
            until: text(&r.until),
            day_of_week: r.day_of_week,
            day_of_month: r.day_of_month,
            week_of_month: r.week_of_month,
            month_of_year: r.month_of_year,
            first_day_of_week: r.first_day_of_week,
        })
    };
}

fn body_text(b: &Option<Body>) -> Option<String> {
    b.as_ref().and_then(|b| text(&b.data))
}

pub(super) fn contact(c: &classes::contacts::Contact) -> Contact {
    let phones = [
        ("mobile", &c.mobile_phone_number),
        ("business", &c.business_phone_number),
        ("business2", &c.business2_phone_number),
        ("home", &c.home_phone_number),
        ("home2", &c.home2_phone_number),
        ("car", &c.car_phone_number),
        ("pager", &c.pager_number),
        ("radio", &c.radio_phone_number),
        ("assistant", &c.assistant_phone_number),
        ("business_fax", &c.business_fax_number),
        ("home_fax", &c.home_fax_number),
        ("company", &c.company_main_phone),
        ("mms", &c.mms),
    ];
    let address = |kind: &str, street, city, state, postal_code, country| Address {
        kind: kind.to_string(),
        street: text(street),
        city: text(city),
        state: text(state),
        postal_code: text(postal_code),
        country: text(country),
    };
    let addresses = [
        address(
            "business",
            &c.business_address_street,
            &c.business_address_city,
            &c.business_address_state,
            &c.business_address_postal_code,
            &c.business_address_country,
        ),
        address(
            "home",
            &c.home_address_street,
            &c.home_address_city,
            &c.home_address_state,
            &c.home_address_postal_code,
            &c.home_address_country,
        ),
        address(
            "other",
            &c.other_address_street,
            &c.other_address_city,
            &c.other_address_state,
            &c.other_address_postal_code,
            &c.other_address_country,
        ),
    ];
    Contact {
        file_as: text(&c.file_as),
        first_name: text(&c.first_name),
        middle_name: text(&c.middle_name),
        last_name: text(&c.last_name),
        company: text(&c.company_name),
        job_title: text(&c.job_title),
        emails: [&c.email1_address, &c.email2_address, &c.email3_address]
            .into_iter()
            .filter_map(text)
            .collect(),
        phones: phones
            .into_iter()
            .filter_map(|(k, v)| text(v).map(|n| (k.to_string(), n)))
            .collect(),
        birthday: text(&c.birthday),
        nickname: text(&c.nick_name),
        title: text(&c.title),
        suffix: text(&c.suffix),
        department: text(&c.department),
        office_location: text(&c.office_location),
        web_page: text(&c.web_page),
        anniversary: text(&c.anniversary),
        spouse: text(&c.spouse),
        assistant_name: text(&c.assistant_name),
        manager_name: text(&c.manager_name),
        im_addresses: [&c.im_address, &c.im_address2, &c.im_address3]
            .into_iter()
            .filter_map(text)
            .collect(),
        addresses: addresses
            .into_iter()
            .filter(|a| {
                a.street.is_some()
                    || a.city.is_some()
                    || a.state.is_some()
                    || a.postal_code.is_some()
                    || a.country.is_some()
            })
            .collect(),
        categories: texts(&c.categories, |c| &c.0),
        children: texts(&c.children, |c| &c.0),
        notes: body_text(&c.body),
        photo: text(&c.picture).and_then(|p| {
            let clean: String = p.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            base64::engine::general_purpose::STANDARD.decode(clean).ok()
        }),
        yomi_first_name: text(&c.yomi_first_name),
        yomi_last_name: text(&c.yomi_last_name),
        yomi_company_name: text(&c.yomi_company_name),
        customer_id: text(&c.customer_id),
        government_id: text(&c.government_id),
        account_name: text(&c.account_name),
        alias: text(&c.alias),
    }
}

fn attendees(list: &Option<classes::List<classes::calendar::Attendee>>) -> Vec<Attendee> {
    list.as_ref()
        .map(|l| {
            l.items
                .iter()
                .map(|a| Attendee {
                    email: text(&a.email),
                    name: text(&a.name),
                    status: a.attendee_status,
                    kind: a.attendee_type,
                })
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn event(e: &classes::calendar::Event) -> Event {
    let location = |text16: &Option<String>, l16: &Option<classes::airsyncbase::Location>| {
        text(text16).or_else(|| l16.as_ref().and_then(|l| text(&l.display_name)))
    };
    Event {
        uid: text(&e.uid).or_else(|| text(&e.client_uid)),
        subject: e.subject.clone(),
        location: location(&e.location, &e.location16),
        start_time: e.start_time.clone(),
        end_time: e.end_time.clone(),
        all_day: e.all_day_event,
        busy_status: e.busy_status,
        organizer_email: text(&e.organizer_email),
        recurring: e.recurrence.is_some(),
        organizer_name: text(&e.organizer_name),
        time_zone: text(&e.timezone)
            .and_then(|tz| timezone::TimeZone::from_base64(&tz).ok())
            .map(|tz| time_zone(&tz)),
        reminder: e.reminder,
        sensitivity: e.sensitivity,
        meeting_status: e.meeting_status,
        response_type: e.response_type,
        description: body_text(&e.body),
        categories: texts(&e.categories, |c| &c.0),
        attendees: attendees(&e.attendees),
        recurrence: recurrence!(e.recurrence),
        exceptions: e
            .exceptions
            .as_ref()
            .map(|l| {
                l.items
                    .iter()
                    .map(|x| Exception {
                        original_start: occurrence(x),
                        deleted: x.deleted.unwrap_or(false),
                        subject: text(&x.subject),
                        start_time: text(&x.start_time),
                        end_time: text(&x.end_time),
                        location: location(&x.location, &x.location16),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        online_meeting_link: text(&e.online_meeting_external_link)
            .or_else(|| text(&e.online_meeting_conf_link)),
        dt_stamp: text(&e.dt_stamp),
    }
}

/// The decoded blob (MS-ASDTYPE 2.7) as the model keeps it: its transition dates only where
/// they are usable yearly rules ([`timezone::SystemTime::rule`]).
pub fn time_zone(tz: &timezone::TimeZone) -> TimeZone {
    let rule = |d: &timezone::SystemTime| {
        d.rule().map(|r| Transition {
            month: r.month,
            week: r.week,
            day_of_week: r.day_of_week,
            hour: r.hour,
            minute: r.minute,
        })
    };
    TimeZone {
        bias: tz.bias,
        standard_name: tz.standard_name.clone(),
        daylight_name: tz.daylight_name.clone(),
        daylight_bias: tz.daylight_bias,
        standard_date: rule(&tz.standard_date),
        daylight_date: rule(&tz.daylight_date),
    }
}

pub(super) fn task(t: &classes::tasks::Task) -> Task {
    let due_date = text(&t.utc_due_date).or_else(|| text(&t.due_date));
    let start_date = text(&t.utc_start_date).or_else(|| text(&t.start_date));
    // The local dates only where they say something the UTC ones do not.
    let local =
        |v: &Option<String>, utc: &Option<String>| text(v).filter(|l| Some(l) != utc.as_ref());
    Task {
        subject: t.subject.clone(),
        local_due_date: local(&t.due_date, &due_date),
        local_start_date: local(&t.start_date, &start_date),
        due_date,
        complete: t.complete,
        importance: t.importance,
        start_date,
        date_completed: text(&t.date_completed),
        reminder_time: text(&t.reminder_time).filter(|_| t.reminder_set.unwrap_or(false)),
        sensitivity: t.sensitivity,
        categories: texts(&t.categories, |c| &c.0),
        body: body_text(&t.body),
        recurrence: recurrence!(t.recurrence),
    }
}

/// The occurrence an embedded exception is about: its `airsyncbase:InstanceId` (16.x, MS-ASAIRS
/// 2.2.2.25), else its `ExceptionStartTime` (up to 14.1, MS-ASCAL 2.2.2.23). Each version's
/// servers send their own element; either is taken whatever the version, InstanceId first.
/// The value is normalised by [`instant_key`] — as [`instance`] and a per-instance Delete do —
/// so that a later per-instance Change or Delete of the same occurrence replaces this entry in
/// the store instead of adding a second one, whichever of the two forms the server wrote.
fn occurrence(x: &classes::calendar::Exception) -> Option<String> {
    text(&x.instance_id)
        .or_else(|| text(&x.exception_start_time))
        .map(|s| instant_key(&s))
}

/// An occurrence's instant in one form, `YYYYMMDDTHHMMSSZ`: MS-ASAIRS 2.2.2.25 gives InstanceId
/// that compact form, while servers also write `YYYY-MM-DDTHH:MM:SS.mmmZ` (MS-ASDTYPE
/// 2.3) for it and for ExceptionStartTime (Horde's kronolith hit the mix). A value of neither
/// form is kept as it is.
pub fn instant_key(s: &str) -> String {
    let s = s.trim();
    let whole = s.split('.').next().unwrap_or(s).trim_end_matches('Z');
    let compact: String = whole.chars().filter(|c| *c != '-' && *c != ':').collect();
    let b = compact.as_bytes();
    let shaped =
        b.len() == 15 && b[8] == b'T' && b[..8].iter().chain(&b[9..]).all(u8::is_ascii_digit);
    if shaped {
        format!("{compact}Z")
    } else {
        s.to_string()
    }
}

/// A 16.x per-occurrence change (`InstanceId` set) as an exception entry.
pub(super) fn instance(e: &classes::calendar::Event) -> Option<Exception> {
    let original_start = instant_key(&text(&e.instance_id)?);
    Some(Exception {
        original_start: Some(original_start),
        deleted: false,
        subject: text(&e.subject),
        start_time: text(&e.start_time),
        end_time: text(&e.end_time),
        location: text(&e.location)
            .or_else(|| e.location16.as_ref().and_then(|l| text(&l.display_name))),
    })
}

#[cfg(test)]
mod tests {
    use super::instant_key;

    #[test]
    fn an_instance_id_in_either_form_is_one_key() {
        assert_eq!(instant_key("2026-10-08T16:00:00.000Z"), "20261008T160000Z");
        assert_eq!(instant_key("20261008T160000Z"), "20261008T160000Z");
        assert_eq!(instant_key("2026-10-08T16:00:00Z"), "20261008T160000Z");
        assert_eq!(instant_key("garbage"), "garbage");
    }
}
