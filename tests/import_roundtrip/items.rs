//! Hand-rolled generators of model items in the form the files keep them (a seeded xorshift
//! RNG, no dependency): each field takes the values the export writes and the import reads
//! back the same way, with the text that trips up escaping (`;`, `,`, `\`, quotes, newlines,
//! non-ASCII).

use easync::model::{
    Address, Attendee, Contact, Event, Exception, Recurrence, Task, TimeZone, Transition,
};

/// xorshift64*.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
    pub fn maybe<T>(&mut self, percent: u64, f: impl FnOnce(&mut Self) -> T) -> Option<T> {
        if self.chance(percent) {
            Some(f(self))
        } else {
            None
        }
    }
    pub fn some_of<T>(&mut self, max: u64, mut f: impl FnMut(&mut Self) -> T) -> Vec<T> {
        (0..self.below(max + 1)).map(|_| f(self)).collect()
    }
}

const WORDS: &[&str] = &[
    "Zoë Åkesson",
    "O'Brien",
    "semi;colon",
    "comma, here",
    "back\\slash",
    "colon: yes",
    "日本語テキスト",
    "quote \"x\"",
    "plain",
    "Ünïcödé ß",
    "a=b&c",
    "emoji 🎉",
];

const LINES: &[&str] = &["line one\nline two", "a\n\nb", "one;\n,two\\", "just text"];

pub fn word(r: &mut Rng) -> String {
    let w = r.pick(WORDS).to_string();
    if r.chance(30) {
        format!("{w} {}", r.below(1000))
    } else {
        w
    }
}

pub fn lines(r: &mut Rng) -> String {
    if r.chance(50) {
        r.pick(LINES).to_string()
    } else {
        word(r)
    }
}

fn email(r: &mut Rng) -> String {
    format!(
        "{}{}@{}.test",
        r.pick(&["jane", "bob", "x.y", "zoë"]),
        r.below(100),
        r.pick(&["example", "corp"])
    )
}

/// `YYYY-MM-DDT00:00:00.000Z`.
pub fn date(r: &mut Rng) -> String {
    format!(
        "{:04}-{:02}-{:02}T00:00:00.000Z",
        r.range(1900, 2030),
        r.range(1, 12),
        r.range(1, 28)
    )
}

/// The name `export::vcard` writes as FN; the import reads it back as FileAs.
pub fn display(c: &Contact) -> Option<String> {
    let parts: Vec<&str> = [
        &c.title,
        &c.first_name,
        &c.middle_name,
        &c.last_name,
        &c.suffix,
    ]
    .iter()
    .filter_map(|p| p.as_deref())
    .collect();
    if !parts.is_empty() {
        return Some(parts.join(" "));
    }
    c.file_as.clone().or_else(|| c.company.clone())
}

pub fn contact(r: &mut Rng) -> Contact {
    let mut c = Contact {
        first_name: r.maybe(70, word),
        middle_name: r.maybe(20, word),
        last_name: r.maybe(70, word),
        title: r.maybe(20, |_| "Dr.".into()),
        suffix: r.maybe(15, |_| "Jr.".into()),
        company: r.maybe(40, word),
        department: r.maybe(30, word),
        job_title: r.maybe(40, word),
        emails: r.some_of(3, email),
        birthday: r.maybe(40, date),
        anniversary: r.maybe(20, date),
        nickname: r.maybe(30, word),
        office_location: r.maybe(20, word),
        web_page: r.maybe(30, |r| format!("https://example.test/{}", r.below(99))),
        spouse: r.maybe(20, word),
        assistant_name: r.maybe(20, word),
        manager_name: r.maybe(20, word),
        im_addresses: r.some_of(3, |r| format!("xmpp:{}", email(r))),
        categories: r.some_of(3, word),
        children: r.some_of(3, word),
        notes: r.maybe(40, lines),
        photo: r.maybe(25, |r| {
            let mut b = if r.chance(50) {
                b"\x89PNG\r\n\x1a\n".to_vec()
            } else {
                vec![0xFF, 0xD8, 0xFF, 0xE0]
            };
            b.extend((0..r.below(200)).map(|_| r.next() as u8));
            b
        }),
        ..Contact::default()
    };
    c.file_as = if r.chance(30) { Some(word(r)) } else { None };
    c.file_as = display(&c);
    c.phones = phones(r);
    for kind in ["business", "home", "other"] {
        if r.chance(35) {
            c.addresses.push(address(r, kind));
        }
    }
    c
}

fn phones(r: &mut Rng) -> Vec<(String, String)> {
    let kinds = [
        "mobile",
        "business",
        "business2",
        "home",
        "home2",
        "car",
        "pager",
        "radio",
        "assistant",
        "business_fax",
        "home_fax",
        "company",
        "mms",
    ];
    let mut out: Vec<(String, String)> = Vec::new();
    for k in kinds {
        // A second number of a kind is only one when there is a first.
        let needs = match k {
            "business2" => Some("business"),
            "home2" => Some("home"),
            _ => None,
        };
        if needs.is_some_and(|n| !out.iter().any(|(x, _)| x == n)) || !r.chance(30) {
            continue;
        }
        let number = format!(
            "+{} {} {}-{}",
            r.range(1, 99),
            r.range(10, 999),
            r.range(100, 9999),
            r.below(99)
        );
        out.push((k.to_string(), number));
    }
    out
}

fn address(r: &mut Rng, kind: &str) -> Address {
    let mut a = Address {
        kind: kind.into(),
        street: r.maybe(70, |r| {
            if r.chance(30) {
                "Main St 1\nFloor 2".into()
            } else {
                word(r)
            }
        }),
        city: r.maybe(60, word),
        state: r.maybe(30, word),
        postal_code: r.maybe(50, |r| format!("{:05}", r.below(99999))),
        country: r.maybe(50, word),
    };
    if a.street.is_none()
        && a.city.is_none()
        && a.state.is_none()
        && a.postal_code.is_none()
        && a.country.is_none()
    {
        a.city = Some(word(r));
    }
    a
}

/// The zones the roundtrip names, as the import names them: Windows names of IANA zones with
/// their yearly rules (as Exchange writes them), UTC, and zones of their own with and without
/// daylight time.
pub fn zone(r: &mut Rng) -> Option<TimeZone> {
    // (back to standard time, start of daylight time): month, week (5 the last), hour; Sundays.
    let rules = |daylight_bias, std: (u8, u8, u8), dst: (u8, u8, u8)| {
        let t = |(month, week, hour)| Transition {
            month,
            week,
            day_of_week: 0,
            hour,
            minute: 0,
        };
        (daylight_bias != 0).then(|| (t(std), t(dst)))
    };
    let z = |bias, std: &str, dst: &str, daylight_bias| {
        let rules = match std {
            "W. Europe Standard Time" | "Atlantis Summer Time" => {
                rules(daylight_bias, (10, 5, 3), (3, 5, 2))
            }
            "Eastern Standard Time" => rules(daylight_bias, (11, 1, 2), (3, 2, 2)),
            "AUS Eastern Standard Time" => rules(daylight_bias, (4, 1, 3), (10, 1, 2)),
            _ => None,
        };
        TimeZone {
            bias,
            standard_name: std.into(),
            daylight_name: dst.into(),
            daylight_bias,
            standard_date: rules.map(|r| r.0),
            daylight_date: rules.map(|r| r.1),
        }
    };
    let zones = [
        z(
            -60,
            "W. Europe Standard Time",
            "W. Europe Daylight Time",
            -60,
        ),
        z(300, "Eastern Standard Time", "Eastern Daylight Time", -60),
        z(-330, "India Standard Time", "India Daylight Time", 0),
        z(
            -600,
            "AUS Eastern Standard Time",
            "AUS Eastern Daylight Time",
            -60,
        ),
        z(-540, "Tokyo Standard Time", "Tokyo Daylight Time", 0),
        z(0, "UTC", "UTC", 0),
        z(-75, "Atlantis Time", "Atlantis Time", 0),
        z(-75, "Atlantis Summer Time", "Atlantis Summer Time", -60),
    ];
    if r.chance(20) {
        None
    } else {
        Some(r.pick(&zones).clone())
    }
}

/// Seconds since the epoch of a day in 2020–2030 at 10:00–14:59 UTC (never a local time that
/// is ambiguous in the zones above) or at midnight.
fn instant(r: &mut Rng, midnight: bool) -> i64 {
    let day = r.range(18_262, 22_280) * 86_400;
    if midnight {
        day
    } else {
        day + r.range(10 * 60, 15 * 60 - 1) * 60
    }
}

pub fn compact(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .unwrap()
        .format("%Y%m%dT%H%M%SZ")
        .to_string()
}

pub fn dotted(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%S.000Z")
        .to_string()
}

fn attendee(r: &mut Rng) -> Attendee {
    Attendee {
        email: Some(email(r)),
        name: r.maybe(60, word),
        status: r.maybe(70, |r| *r.pick(&[2, 3, 4, 5])),
        kind: Some(*r.pick(&[1, 2, 3])),
    }
}

pub fn recurrence(r: &mut Rng, until: impl Fn(i64) -> String, midnight: bool) -> Recurrence {
    let mask = |r: &mut Rng| (r.range(1, 127)) as u8;
    let kind = *r.pick(&[0u8, 1, 2, 3, 5, 6]);
    let mut rec = Recurrence {
        kind: Some(kind),
        interval: r.maybe(30, |r| r.range(2, 10) as u16),
        ..Recurrence::default()
    };
    match kind {
        0 => rec.day_of_week = r.maybe(30, mask),
        1 => rec.day_of_week = Some(mask(r)),
        2 => rec.day_of_month = Some(r.range(1, 28) as u8),
        3 => (rec.day_of_week, rec.week_of_month) = (Some(mask(r)), Some(r.range(1, 5) as u8)),
        5 => {
            (rec.month_of_year, rec.day_of_month) =
                (Some(r.range(1, 12) as u8), Some(r.range(1, 28) as u8))
        }
        _ => {
            rec.month_of_year = Some(r.range(1, 12) as u8);
            (rec.day_of_week, rec.week_of_month) = (Some(mask(r)), Some(r.range(1, 5) as u8));
        }
    }
    match r.below(3) {
        0 => rec.occurrences = Some(r.range(1, 60) as u16),
        1 => rec.until = Some(until(instant(r, midnight))),
        _ => {}
    }
    rec
}

pub fn event(r: &mut Rng) -> Event {
    let all_day = r.chance(20);
    let start = instant(r, all_day);
    let length = if all_day {
        r.range(1, 4) * 86_400
    } else {
        r.range(1, 48) * 900
    };
    let organizer_email = r.maybe(40, email);
    let mut e = Event {
        uid: Some(format!("uid-{}@easync.test", r.next())),
        subject: r.maybe(90, word),
        location: r.maybe(50, word),
        start_time: Some(compact(start)),
        end_time: Some(compact(start + length)),
        all_day: Some(all_day),
        busy_status: Some(r.below(5) as u8),
        organizer_name: organizer_email.as_ref().and_then(|_| r.maybe(60, word)),
        organizer_email,
        time_zone: if all_day { None } else { zone(r) },
        reminder: r.maybe(50, |r| r.range(0, 10_080) as u32),
        sensitivity: Some(*r.pick(&[0, 2, 3])),
        description: r.maybe(50, lines),
        categories: r.some_of(3, word),
        attendees: r.some_of(3, attendee),
        recurrence: r.maybe(50, |r| recurrence(r, compact, all_day)),
        ..Event::default()
    };
    e.recurring = e.recurrence.is_some();
    if e.recurring {
        e.exceptions = exceptions(r, &e, start, length, all_day);
    }
    e
}

/// Occurrences a week apart, changed only where they differ from the series.
fn exceptions(r: &mut Rng, e: &Event, start: i64, length: i64, all_day: bool) -> Vec<Exception> {
    let n = r.below(4) as i64;
    (1..=n)
        .map(|k| {
            let original = start + k * 7 * 86_400;
            if r.chance(40) {
                return Exception {
                    original_start: Some(compact(original)),
                    deleted: true,
                    ..Exception::default()
                };
            }
            let moved = (!all_day)
                .then(|| r.maybe(50, |r| original + r.range(1, 20) * 900))
                .flatten();
            let s = moved.unwrap_or(original);
            Exception {
                original_start: Some(compact(original)),
                deleted: false,
                subject: r
                    .maybe(50, |r| format!("changed {}", word(r)))
                    .filter(|s| Some(s) != e.subject.as_ref()),
                start_time: moved.map(compact),
                end_time: (!all_day)
                    .then(|| {
                        r.maybe(40, |r| s + length + r.range(1, 8) * 900)
                            .map(compact)
                    })
                    .flatten(),
                location: r
                    .maybe(40, |r| format!("room {}", r.below(50)))
                    .filter(|l| Some(l) != e.location.as_ref()),
            }
        })
        .collect()
}

pub fn task(r: &mut Rng) -> Task {
    let complete = r.chance(40);
    let day = |r: &mut Rng| dotted(instant(r, true));
    let mut t = Task {
        subject: r.maybe(90, word),
        due_date: r.maybe(60, day),
        complete: Some(complete),
        importance: r.maybe(70, |r| r.below(3) as u8),
        start_date: r.maybe(40, day),
        date_completed: if complete {
            r.maybe(80, |r| dotted(instant(r, false)))
        } else {
            None
        },
        reminder_time: r.maybe(30, |r| dotted(instant(r, false))),
        sensitivity: Some(*r.pick(&[0, 2, 3])),
        categories: r.some_of(3, word),
        body: r.maybe(50, lines),
        ..Task::default()
    };
    if r.chance(40) {
        if t.start_date.is_none() && t.due_date.is_none() {
            t.due_date = Some(day(r));
        }
        t.recurrence = Some(recurrence(r, dotted, true));
    }
    t
}
