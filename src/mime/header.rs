//! The header section of an RFC 5322 message as raw fields, so that sending can add or replace
//! a field and leave every other byte of the message as the user's program wrote it.

/// One header field: its name and its whole raw text (name, colon, value, folded lines and the
/// final line break).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field<'a> {
    pub name: &'a str,
    pub raw: &'a [u8],
}

/// A message split into its header fields and its body (the body starts after the empty line,
/// which belongs to neither).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split<'a> {
    pub fields: Vec<Field<'a>>,
    pub body: &'a [u8],
    /// Whether the message had a header section at all: text that does not start with a
    /// field (`echo hi | easync send bob`) is all body, as sendmail reads it.
    pub had_header: bool,
}

/// Whether a line starts a header field: a name of printable ASCII without a colon, then `:`
/// (RFC 5322 2.2; the mbox `From ` line is not one).
fn field_name(line: &[u8]) -> Option<&str> {
    let colon = line.iter().position(|&b| b == b':')?;
    let name = &line[..colon];
    let ok = !name.is_empty() && name.iter().all(|&b| (33..=126).contains(&b));
    ok.then(|| std::str::from_utf8(name).ok()).flatten()
}

/// The lines of `text`, each with its line break.
fn lines(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    text.split_inclusive(|&b| b == b'\n')
}

/// Splits a message. Never fails: what cannot be a header makes the rest the body.
pub fn split(message: &[u8]) -> Split<'_> {
    let mut fields: Vec<Field<'_>> = Vec::new();
    let mut at = 0;
    let mut start: Option<(usize, &str)> = None;
    for line in lines(message) {
        let bare = line.strip_suffix(b"\n").unwrap_or(line);
        let bare = bare.strip_suffix(b"\r").unwrap_or(bare);
        if bare.is_empty() {
            if let Some((s, name)) = start.take() {
                fields.push(Field {
                    name,
                    raw: &message[s..at],
                });
            }
            let had_header = !fields.is_empty();
            let body = if had_header {
                &message[at + line.len()..]
            } else {
                message
            };
            return Split {
                fields,
                body,
                had_header,
            };
        }
        let folded = matches!(bare.first(), Some(b' ' | b'\t'));
        if folded && start.is_some() {
            at += line.len();
            continue;
        }
        if let Some((s, name)) = start.take() {
            fields.push(Field {
                name,
                raw: &message[s..at],
            });
        }
        match field_name(bare) {
            Some(name) => start = Some((at, name)),
            None => {
                // Not a header: everything from here on is body (a message without the empty
                // line after its header, or no header at all).
                let had_header = !fields.is_empty();
                return Split {
                    body: if had_header { &message[at..] } else { message },
                    fields,
                    had_header,
                };
            }
        }
        at += line.len();
    }
    if let Some((s, name)) = start.take() {
        fields.push(Field {
            name,
            raw: &message[s..at],
        });
    }
    let had_header = !fields.is_empty();
    Split {
        fields,
        body: &message[message.len().min(at)..],
        had_header,
    }
}

/// Bare LF line breaks as CRLF (RFC 5322 2.1; what SMTP carries), other bytes untouched.
pub fn crlf(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + text.len() / 40);
    let mut prev = 0u8;
    for &b in text {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    out
}

/// A header field's raw text ending in CRLF.
pub fn ended(raw: &[u8]) -> Vec<u8> {
    let mut v = crlf(raw);
    if !v.ends_with(b"\r\n") {
        v.extend_from_slice(b"\r\n");
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_keep_their_folded_lines_and_the_body_starts_after_the_empty_line() {
        let m = b"From: a@x\r\nSubject: one\r\n two\r\nTo: b@y\r\n\r\nbody\r\n";
        let s = split(m);
        let names: Vec<&str> = s.fields.iter().map(|f| f.name).collect();
        assert_eq!(names, ["From", "Subject", "To"]);
        assert_eq!(s.fields[1].raw, b"Subject: one\r\n two\r\n");
        assert_eq!(s.body, b"body\r\n");
        assert!(s.had_header);
    }

    #[test]
    fn text_without_a_header_is_all_body() {
        let s = split(b"hello there\nsecond line\n");
        assert!(s.fields.is_empty() && !s.had_header);
        assert_eq!(s.body, b"hello there\nsecond line\n");
        let s = split(b"\nbody after an empty first line\n");
        assert!(!s.had_header);
    }

    #[test]
    fn a_header_without_an_empty_line_or_body_still_splits() {
        let s = split(b"Subject: only\n");
        assert_eq!(s.fields.len(), 1);
        assert!(s.body.is_empty());
        let s = split(b"Subject: x\nnot a header line\n");
        assert_eq!(s.fields.len(), 1);
        assert_eq!(s.body, b"not a header line\n");
    }

    #[test]
    fn bare_line_feeds_become_crlf_and_crlf_stays() {
        assert_eq!(crlf(b"a\nb\r\nc\n"), b"a\r\nb\r\nc\r\n");
        assert_eq!(ended(b"X: y"), b"X: y\r\n");
    }
}
