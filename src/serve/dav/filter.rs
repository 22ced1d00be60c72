//! The filters of calendar-query (RFC 4791 section 9.7: a VCALENDAR comp-filter holding one
//! for VEVENT or VTODO, with an optional time-range) and addressbook-query (RFC 6352 section
//! 10.5: prop-filters with text-match, `anyof` or `allof`).

use super::xml::{CALDAV, CARDDAV, El};

/// A time range (UTC, `20270115T100000Z`); either end may be open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeRange {
    pub start: Option<String>,
    pub end: Option<String>,
}

/// What a calendar-query asks for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CalendarFilter {
    /// `VEVENT`, `VTODO`; `None`: any.
    pub component: Option<String>,
    pub range: Option<TimeRange>,
}

/// A time as the comparisons need it: `YYYYMMDDTHHMMSSZ`, or a date's midnight.
fn utc(v: &str) -> Result<String, String> {
    let v = v.trim();
    let ok = |s: &str| s.len() == 16 && s.ends_with('Z') && s.as_bytes()[8] == b'T';
    match v.len() {
        8 if v.bytes().all(|b| b.is_ascii_digit()) => Ok(format!("{v}T000000Z")),
        _ if ok(v) => Ok(v.to_string()),
        _ => Err(format!(
            "time-range {v:?} is not a UTC date-time like 20270115T100000Z"
        )),
    }
}

/// Reads a calendar-query's `filter`; an absent one asks for everything.
pub fn calendar(filter: Option<&El>) -> Result<CalendarFilter, String> {
    let Some(filter) = filter else {
        return Ok(CalendarFilter::default());
    };
    let Some(cal) = filter.child(CALDAV, "comp-filter") else {
        return Ok(CalendarFilter::default());
    };
    if !cal
        .attr("name")
        .is_some_and(|n| n.eq_ignore_ascii_case("VCALENDAR"))
    {
        return Err("the outer comp-filter of a calendar-query names VCALENDAR".into());
    }
    let Some(inner) = cal.child(CALDAV, "comp-filter") else {
        return Ok(CalendarFilter::default());
    };
    let component = inner.attr("name").map(str::to_ascii_uppercase);
    let range = match inner.child(CALDAV, "time-range") {
        Some(t) => Some(TimeRange {
            start: t.attr("start").map(utc).transpose()?,
            end: t.attr("end").map(utc).transpose()?,
        }),
        None => None,
    };
    Ok(CalendarFilter { component, range })
}

/// One prop-filter of an addressbook-query.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PropFilter {
    /// The property's name, upper case (`FN`, `EMAIL`).
    name: String,
    /// (text, match-type, negated); none: the property must be there.
    matches: Vec<(String, String, bool)>,
    /// `is-not-defined`: the property must be absent.
    absent: bool,
}

/// What an addressbook-query asks for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CardFilter {
    all: bool,
    props: Vec<PropFilter>,
}

/// Reads an addressbook-query's `filter`; an absent one asks for everything.
pub fn cards(filter: Option<&El>) -> Result<CardFilter, String> {
    let Some(filter) = filter else {
        return Ok(CardFilter::default());
    };
    let mut props = Vec::new();
    for p in filter
        .children
        .iter()
        .filter(|c| c.is(CARDDAV, "prop-filter"))
    {
        let name = p
            .attr("name")
            .ok_or("a prop-filter has no name attribute")?
            .to_ascii_uppercase();
        let matches = p
            .children
            .iter()
            .filter(|c| c.is(CARDDAV, "text-match"))
            .map(|t| {
                (
                    t.text.to_lowercase(),
                    t.attr("match-type").unwrap_or("contains").to_string(),
                    t.attr("negate-condition") == Some("yes"),
                )
            })
            .collect();
        let absent = p.child(CARDDAV, "is-not-defined").is_some();
        props.push(PropFilter {
            name,
            matches,
            absent,
        });
    }
    Ok(CardFilter {
        all: filter.attr("test") == Some("allof"),
        props,
    })
}

/// The (name, value) of each unfolded content line of a vCard (the group prefix cut off).
fn lines(text: &str) -> Vec<(String, String)> {
    let mut unfolded: Vec<String> = Vec::new();
    for l in text.split('\n').map(|l| l.trim_end_matches('\r')) {
        match (l.strip_prefix([' ', '\t']), unfolded.last_mut()) {
            (Some(rest), Some(last)) => last.push_str(rest),
            _ => unfolded.push(l.to_string()),
        }
    }
    unfolded
        .iter()
        .filter_map(|l| {
            let (head, value) = l.split_once(':')?;
            let name = head.split(';').next().unwrap_or(head);
            let name = name.rsplit('.').next().unwrap_or(name);
            Some((name.to_ascii_uppercase(), value.to_lowercase()))
        })
        .collect()
}

fn text_match(value: &str, text: &str, how: &str) -> bool {
    match how {
        "equals" => value == text,
        "starts-with" => value.starts_with(text),
        "ends-with" => value.ends_with(text),
        _ => value.contains(text),
    }
}

impl PropFilter {
    fn matches(&self, card: &[(String, String)]) -> bool {
        let values: Vec<&str> = card
            .iter()
            .filter(|(n, _)| *n == self.name)
            .map(|(_, v)| v.as_str())
            .collect();
        if self.absent {
            return values.is_empty();
        }
        if self.matches.is_empty() {
            return !values.is_empty();
        }
        self.matches
            .iter()
            .all(|(text, how, negate)| values.iter().any(|v| text_match(v, text, how)) != *negate)
    }
}

impl CardFilter {
    /// Whether the vCard `text` passes (no prop-filter: every card does).
    pub fn matches(&self, text: &str) -> bool {
        if self.props.is_empty() {
            return true;
        }
        let card = lines(text);
        match self.all {
            true => self.props.iter().all(|p| p.matches(&card)),
            false => self.props.iter().any(|p| p.matches(&card)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::xml::parse;
    use super::*;

    #[test]
    fn a_vevent_time_range_is_read_from_the_nested_comp_filters() {
        let el = parse(
            "<C:filter xmlns:C=\"urn:ietf:params:xml:ns:caldav\"><C:comp-filter name=\"VCALENDAR\">\
             <C:comp-filter name=\"VEVENT\"><C:time-range start=\"20270101T000000Z\"/>\
             </C:comp-filter></C:comp-filter></C:filter>",
        )
        .unwrap();
        let f = calendar(Some(&el)).unwrap();
        assert_eq!(f.component.as_deref(), Some("VEVENT"));
        let range = f.range.unwrap();
        assert_eq!(range.start.as_deref(), Some("20270101T000000Z"));
        assert_eq!(range.end, None);
    }

    #[test]
    fn text_match_on_folded_lines_with_groups_any_and_all() {
        let card = "BEGIN:VCARD\r\nFN:Jane\r\n  Doe\r\nitem1.EMAIL;TYPE=work:jane@example.com\r\nEND:VCARD\r\n";
        let f = |xml: &str| cards(Some(&parse(xml).unwrap())).unwrap();
        let ns = "xmlns:R=\"urn:ietf:params:xml:ns:carddav\"";
        let any = f(&format!(
            "<R:filter {ns}><R:prop-filter name=\"FN\"><R:text-match>jane doe</R:text-match>\
             </R:prop-filter><R:prop-filter name=\"NICKNAME\"/></R:filter>"
        ));
        assert!(any.matches(card));
        let all = f(&format!(
            "<R:filter {ns} test=\"allof\"><R:prop-filter name=\"email\"><R:text-match \
             match-type=\"ends-with\">@example.com</R:text-match></R:prop-filter>\
             <R:prop-filter name=\"NICKNAME\"/></R:filter>"
        ));
        assert!(!all.matches(card));
        let absent = f(&format!(
            "<R:filter {ns}><R:prop-filter name=\"NICKNAME\"><R:is-not-defined/></R:prop-filter></R:filter>"
        ));
        assert!(absent.matches(card));
    }
}
