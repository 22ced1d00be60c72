//! Server text made safe to print: a subject, a folder name or an error page comes from the
//! server, and a terminal acts on the control characters in it (ESC starts an escape sequence
//! that can retitle the window, rewrite the screen or, on some terminals, answer back). Every
//! C0 control (U+0000–U+001F), DEL and C1 control (U+0080–U+009F) — Unicode's `Cc` category — is
//! removed before such text reaches the terminal or a log line.

use std::borrow::Cow;

/// Text for one line: tabs and line breaks become a space, every other control is removed.
pub fn one_line(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .filter_map(|c| match c {
                '\t' | '\n' | '\r' => Some(' '),
                c if c.is_control() => None,
                c => Some(c),
            })
            .collect(),
    )
}

/// Text shown over several lines (a mail body): line breaks (`\r\n` read as `\n`) and tabs are
/// kept, every other control is removed.
pub fn multi_line(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .filter(|&c| c == '\n' || c == '\t' || !c.is_control())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_c1_controls_are_removed() {
        let hostile = "Invoice\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{7f}\0 paid";
        assert_eq!(one_line(hostile), "Invoice]0;pwned[2J31m paid");
        assert_eq!(one_line("a\tb\r\nc"), "a b  c");
        assert!(matches!(one_line("plain ünïcode"), Cow::Borrowed(_)));
        assert_eq!(
            multi_line("line 1\r\n\tline 2\u{1b}[0m\n"),
            "line 1\n\tline 2[0m\n"
        );
        assert!(matches!(multi_line("a\nb\tc"), Cow::Borrowed(_)));
    }
}
