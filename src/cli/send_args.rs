//! The command line of `easync send`, read the way sendmail reads its own: the flags mutt,
//! neomutt, aerc, `git send-email`, `mail(1)` and scripts pass (`-t`, `-i`, `-oi`, `-oem`,
//! `-f FROM`, `-F NAME`, `-odq`…) are understood or harmlessly ignored; an unknown flag is
//! refused with its name, never guessed at. easync's own options are long ones.

use crate::mime::Envelope;

/// What `easync send` was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send the message on stdin.
    Send(SendOptions),
    /// `--queue` / `-bp`: list the outbox.
    List {
        json: bool,
    },
    /// `--flush` / `-q`: send what is queued.
    Flush,
    /// `--retry ID`: queue a failed message again and send it.
    Retry(i64),
    /// `--drop ID`: remove a message unsent.
    Drop(i64),
    Help,
}

/// Sending a message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendOptions {
    pub envelope: Envelope,
    /// `-F NAME`: the sender's name for a missing From.
    pub full_name: Option<String>,
    /// `--reply ID` / `--forward ID`: the mirrored mail this answers.
    pub reply: Option<i64>,
    pub forward: Option<i64>,
    /// `--replace-mime`: the message is whole; the server adds no quote or attachments.
    pub replace_mime: bool,
    /// `--no-sent-copy`: no copy in Sent Items.
    pub no_sent_copy: bool,
    /// `--queue-only` / `-odq`: queue it; the next sync or watch sends it.
    pub queue_only: bool,
    /// `--queued-ok`: exit 0 when the message could only be queued.
    pub queued_ok: bool,
}

/// The parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub account: Option<String>,
    pub action: Action,
}

/// Flags sendmail takes that change nothing here: alone, or (`with_value`) with a value.
const IGNORED: &[&str] = &[
    "-i", "-oi", "-oem", "-oee", "-oep", "-oeq", "-oew", "-om", "-odb",
];
const IGNORED_WITH_VALUE: &[&str] = &["-B", "-N", "-R", "-V", "-h", "-O"];
const IGNORED_ALONE: &[&str] = &["-odi", "-U", "-G", "-v", "-bm", "-Am", "-Ac"];

fn id(flag: &str, v: Option<String>) -> Result<i64, String> {
    let v = v.ok_or_else(|| format!("{flag} needs a message id"))?;
    v.parse()
        .map_err(|_| format!("{flag} {v:?}: not a message id (a number)"))
}

/// Reads the arguments after `easync send`.
pub fn parse(args: &[String]) -> Result<Invocation, String> {
    let mut inv = Invocation {
        account: None,
        action: Action::Send(SendOptions::default()),
    };
    let mut opts = SendOptions::default();
    let mut special: Option<Action> = None;
    let mut json = false;
    let mut it = args.iter().cloned();
    let mut only_recipients = false;
    while let Some(arg) = it.next() {
        if only_recipients || !arg.starts_with('-') || arg == "-" {
            opts.envelope.recipients.push(arg);
            continue;
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        // A value: `--x=V`, `-fV` (attached), or the next argument.
        let mut value = |attached: Option<&str>| -> Option<String> {
            inline
                .clone()
                .or_else(|| attached.filter(|s| !s.is_empty()).map(String::from))
                .or_else(|| it.next())
        };
        match flag.as_str() {
            "--" => only_recipients = true,
            "-h" if args.len() == 1 => special = Some(Action::Help),
            "--help" => special = Some(Action::Help),
            "-t" => opts.envelope.from_headers = true,
            "--account" => inv.account = value(None),
            "--reply" => opts.reply = Some(id("--reply", value(None))?),
            "--forward" => opts.forward = Some(id("--forward", value(None))?),
            "--replace-mime" => opts.replace_mime = true,
            "--no-sent-copy" => opts.no_sent_copy = true,
            "--queue-only" | "-odq" => opts.queue_only = true,
            "--queued-ok" => opts.queued_ok = true,
            "--queue" | "-bp" => special = Some(Action::List { json: false }),
            "--json" => json = true,
            "--flush" | "-q" => special = Some(Action::Flush),
            "--retry" => special = Some(Action::Retry(id("--retry", value(None))?)),
            "--drop" => special = Some(Action::Drop(id("--drop", value(None))?)),
            f if IGNORED.contains(&f) || IGNORED_ALONE.contains(&f) => {}
            f if IGNORED_WITH_VALUE.contains(&f) => {
                value(None);
            }
            f if f.starts_with("-a") => inv.account = value(f.get(2..)),
            f if f.starts_with("-f") || f.starts_with("-r") => {
                opts.envelope.sender = value(f.get(2..));
            }
            f if f.starts_with("-F") => opts.full_name = value(f.get(2..)),
            f if f.starts_with("-B") || f.starts_with("-N") || f.starts_with("-R") => {}
            f if f.starts_with("-b") => {
                return Err(format!(
                    "{f}: that sendmail mode is not supported (easync send delivers a message, \
                     -bp lists the queue)"
                ));
            }
            f => return Err(format!("unknown option {f} (see easync send --help)")),
        }
    }
    if opts.reply.is_some() && opts.forward.is_some() {
        return Err("--reply and --forward cannot go together".into());
    }
    inv.action = match special {
        Some(Action::List { .. }) => Action::List { json },
        Some(a) => a,
        None => Action::Send(opts),
    };
    Ok(inv)
}

/// `easync send --help`.
pub const HELP: &str = "\
easync send: send a message (RFC 5322, on standard input) through the account's Exchange server,
as sendmail does. The server keeps a copy in Sent Items. A message that cannot be sent now is
queued and sent by the next `easync sync` or by `easync watch`; it is never lost or sent twice.

Usage: easync send [-a ACCOUNT] [-t] [-i] [-f FROM] [-F NAME] [OPTIONS] [--] [RECIPIENT...] < message
       easync send --queue [--json] | --flush | --retry ID | --drop ID

Recipients are the addresses named; with -t also To, Cc and Bcc. A recipient not in the
header is delivered as Bcc. Exchange delivers to every address in To, Cc and Bcc.

Options:
  -a, --account ACCOUNT  the account (default: the only one)
  -t                     take the recipients from To, Cc and Bcc as well
  -f, -r FROM            the sender, for a message without From (default: the account's address)
  -F NAME                the sender's name, with -f
  --reply ID             a reply to mirrored mail ID (`easync mail list`): SmartReply, the server
                         adds the original below the message (unless --replace-mime)
  --forward ID           a forward of mail ID: SmartForward, the server adds the original and
                         its attachments (unless --replace-mime)
  --replace-mime         the message is whole: the server adds nothing (a reply found by its
                         In-Reply-To in the exported Maildir is sent this way by itself)
  --no-sent-copy         do not keep a copy in Sent Items
  --queue-only, -odq     queue it only; the next sync or watch sends it
  --queued-ok            exit 0 when the message could only be queued (default: 75)
  --queue, -bp           list the queued and failed messages
  --flush, -q            send the queued messages now
  --retry ID             send a failed message again
  --drop ID              remove a message from the queue unsent
Ignored, as sendmail's: -i -oi -oem -oee -om -odb -odi -U -v -B X -N X -R X -V X.

Exit status: 0 sent (or queued with --queue-only); 75 queued, the server cannot be reached or
asks to wait; 77 queued, sign-in or device approval needed; 64 usage; 65 not a message; 67 a
recipient the server does not know; 69 refused by the server (the reason is printed); 78
configuration error.
";

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Invocation, String> {
        parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    fn send(args: &[&str]) -> SendOptions {
        match p(args).unwrap().action {
            Action::Send(o) => o,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn what_mutt_neomutt_and_git_send_email_pass_is_understood() {
        // neomutt's default `sendmail="/usr/sbin/sendmail -oem -oi"`, then `--` and recipients.
        let o = send(&["-oem", "-oi", "--", "a@x.test", "-b@x.test"]);
        assert_eq!(o.envelope.recipients, ["a@x.test", "-b@x.test"]);
        // git send-email: `-i` and the envelope sender.
        let o = send(&["-i", "-f", "me@x.test", "a@x.test"]);
        assert_eq!(o.envelope.sender.as_deref(), Some("me@x.test"));
        let o = send(&["-fme@x.test", "-t"]);
        assert_eq!(o.envelope.sender.as_deref(), Some("me@x.test"));
        assert!(o.envelope.from_headers && o.envelope.recipients.is_empty());
    }

    #[test]
    fn the_account_comes_from_a_or_account_in_any_place() {
        assert_eq!(
            p(&["-a", "work", "x@y"]).unwrap().account.as_deref(),
            Some("work")
        );
        assert_eq!(p(&["-awork"]).unwrap().account.as_deref(), Some("work"));
        assert_eq!(
            p(&["x@y", "--account=home"]).unwrap().account.as_deref(),
            Some("home")
        );
    }

    #[test]
    fn easync_options_and_queue_commands() {
        let o = send(&["--reply", "42", "--replace-mime", "--queued-ok", "a@x"]);
        assert_eq!(
            (o.reply, o.replace_mime, o.queued_ok),
            (Some(42), true, true)
        );
        assert_eq!(p(&["-bp"]).unwrap().action, Action::List { json: false });
        assert_eq!(
            p(&["--queue", "--json"]).unwrap().action,
            Action::List { json: true }
        );
        assert_eq!(p(&["-q"]).unwrap().action, Action::Flush);
        assert_eq!(p(&["--drop", "3"]).unwrap().action, Action::Drop(3));
        assert_eq!(p(&["--retry=4"]).unwrap().action, Action::Retry(4));
        assert!(send(&["-odq", "a@x"]).queue_only);
        assert_eq!(p(&["--help"]).unwrap().action, Action::Help);
    }

    #[test]
    fn unknown_or_unsupported_flags_are_refused_by_name() {
        assert!(p(&["-X", "log"]).unwrap_err().contains("unknown option -X"));
        assert!(p(&["-bs"]).unwrap_err().contains("-bs"));
        assert!(
            p(&["--reply", "x"])
                .unwrap_err()
                .contains("not a message id")
        );
        assert!(p(&["--reply", "1", "--forward", "2"]).is_err());
    }
}
