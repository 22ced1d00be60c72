//! The SMTP submission side of `easync serve` (RFC 6409 on RFC 5321): AUTH PLAIN and LOGIN
//! (RFC 4954) with the local password, 8BITMIME (RFC 6152), SIZE (RFC 1870), PIPELINING
//! (RFC 2920). A message is accepted (250) only once it is written whole into the account's
//! send queue (the outbox, as `easync send --queue-only` writes it); the `watch` loop of the same
//! process sends it with SendMail. EAS has no envelope: the RCPT TO recipients the header does
//! not name go into a Bcc field, as `easync send` does ([`crate::mime::prepare`]).
//!
//! Written here rather than on smtp-proto: the eight commands a submission server needs are a
//! line each, and what matters — the dot-unstuffing, the size cap while reading, the queueing —
//! is ours either way.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use base64::Engine as _;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use super::LocalAuth;
use crate::mime::{Envelope, MAX_MESSAGE};
use crate::store::{NewMessage, OutboxCommand, Queued, Store};

/// What every connection shares: the local password, and each account's database and address.
pub struct SmtpContext {
    pub auth: LocalAuth,
    /// Account name → (database, e-mail address).
    pub accounts: HashMap<String, (PathBuf, String)>,
}

/// The longest command line read (RFC 5321 4.5.3.1.4 says 512; clients with long AUTH lines).
const MAX_LINE: usize = 64 * 1024;

pub async fn bind(addr: SocketAddr) -> Result<TcpListener, String> {
    TcpListener::bind(addr).await.map_err(|e| {
        format!(
            "cannot listen for SMTP on {addr}: {e} (another program uses the port? set \
             [serve] smtp = \"127.0.0.1:PORT\" or \"off\")"
        )
    })
}

/// Accepts connections until the task is dropped.
pub async fn serve(listener: TcpListener, ctx: Arc<SmtpContext>) {
    loop {
        let Ok((stream, peer)) = listener.accept().await else {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            continue;
        };
        let ctx = ctx.clone();
        tokio::spawn(async move {
            if let Err(e) = session(stream, ctx).await {
                tracing::debug!("smtp: {peer}: {e}");
            }
        });
    }
}

struct State {
    account: Option<String>,
    from: Option<String>,
    rcpt: Vec<String>,
}

async fn session(stream: TcpStream, ctx: Arc<SmtpContext>) -> std::io::Result<()> {
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    w.write_all(b"220 localhost easync serve ESMTP ready\r\n")
        .await?;
    let mut st = State {
        account: None,
        from: None,
        rcpt: Vec::new(),
    };
    loop {
        let Some(line) = read_line(&mut r).await? else {
            return Ok(());
        };
        let (verb, arg) = line.split_once(' ').unwrap_or((&line, ""));
        let verb = verb.to_ascii_uppercase();
        let answer = match verb.as_str() {
            "EHLO" => format!(
                "250-localhost\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SIZE {MAX_MESSAGE}\r\n\
                 250-AUTH PLAIN LOGIN\r\n250 ENHANCEDSTATUSCODES\r\n"
            ),
            "HELO" => "250 localhost\r\n".into(),
            "NOOP" => "250 2.0.0 OK\r\n".into(),
            "RSET" => {
                st.from = None;
                st.rcpt.clear();
                "250 2.0.0 OK\r\n".into()
            }
            "QUIT" => {
                w.write_all(b"221 2.0.0 bye\r\n").await?;
                return Ok(());
            }
            "VRFY" => "252 2.1.5 cannot verify, send and see\r\n".into(),
            "AUTH" => auth(&ctx, &mut st, arg, &mut r, &mut w).await?,
            "MAIL" => mail(&mut st, arg),
            "RCPT" => rcpt(&mut st, arg),
            "DATA" => {
                if st.from.is_none() || st.rcpt.is_empty() {
                    "503 5.5.1 MAIL FROM and RCPT TO first\r\n".into()
                } else {
                    w.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                    let answer = match read_data(&mut r).await? {
                        Some(message) => queue(&ctx, &st, &message),
                        None => {
                            format!("552 5.3.4 the message is larger than {MAX_MESSAGE} bytes\r\n")
                        }
                    };
                    st.from = None;
                    st.rcpt.clear();
                    answer
                }
            }
            "STARTTLS" => "502 5.5.1 no TLS on loopback: connect without STARTTLS\r\n".into(),
            _ => "502 5.5.2 command not recognised\r\n".into(),
        };
        w.write_all(answer.as_bytes()).await?;
    }
}

/// One line without its CRLF; `None` at the end of the connection.
async fn read_line<R: tokio::io::AsyncBufRead + Unpin>(
    r: &mut R,
) -> std::io::Result<Option<String>> {
    let mut buf = Vec::new();
    let n = (&mut *r)
        .take(MAX_LINE as u64)
        .read_until(b'\n', &mut buf)
        .await?;
    if n == 0 {
        return Ok(None);
    }
    while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        buf.pop();
    }
    Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
}

use tokio::io::AsyncReadExt as _;

/// The message after DATA, dot-unstuffed (RFC 5321 4.5.2), CRLF line ends; `None` when it
/// is larger than easync sends (the rest is read and dropped, so the session goes on).
async fn read_data<R: tokio::io::AsyncBufRead + Unpin>(
    r: &mut R,
) -> std::io::Result<Option<Vec<u8>>> {
    let mut out = Vec::new();
    let mut too_big = false;
    loop {
        let mut line = Vec::new();
        // A line longer than the whole message could be is cut (and the message refused).
        let limit = (MAX_MESSAGE + 2) as u64;
        if (&mut *r).take(limit).read_until(b'\n', &mut line).await? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the connection ended inside DATA",
            ));
        }
        let body = line
            .strip_suffix(b"\r\n")
            .or_else(|| line.strip_suffix(b"\n"))
            .unwrap_or(&line);
        if body == b"." {
            return Ok((!too_big).then_some(out));
        }
        let body = body.strip_prefix(b".").unwrap_or(body);
        if out.len() + body.len() + 2 > MAX_MESSAGE {
            too_big = true;
            out.clear();
        }
        if !too_big {
            out.extend_from_slice(body);
            out.extend_from_slice(b"\r\n");
        }
    }
}

async fn auth<R, W>(
    ctx: &SmtpContext,
    st: &mut State,
    arg: &str,
    r: &mut R,
    w: &mut W,
) -> std::io::Result<String>
where
    R: tokio::io::AsyncBufRead + Unpin,
    W: tokio::io::AsyncWrite + Unpin,
{
    if st.account.is_some() {
        return Ok("503 5.5.1 signed in already\r\n".into());
    }
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut words = arg.split_whitespace();
    let mech = words.next().unwrap_or("").to_ascii_uppercase();
    let initial = words.next().map(str::to_string);
    let mut ask = async |prompt: &str| -> std::io::Result<Option<Vec<u8>>> {
        w.write_all(format!("334 {prompt}\r\n").as_bytes()).await?;
        let line = read_line(r).await?.unwrap_or_default();
        Ok(if line == "*" {
            None
        } else {
            b64.decode(line.trim()).ok()
        })
    };
    let (user, pass) = match mech.as_str() {
        "PLAIN" => {
            let data = match initial.as_deref() {
                Some("=") => Some(Vec::new()),
                Some(i) => b64.decode(i).ok(),
                None => ask("").await?,
            };
            let Some(data) = data else {
                return Ok(
                    "501 5.5.2 not a PLAIN response (base64 of authzid NUL user NUL password)\r\n"
                        .into(),
                );
            };
            let mut f = data.split(|&b| b == 0).skip(1);
            let u = f.next().map(|u| String::from_utf8_lossy(u).into_owned());
            let p = f.next().map(|p| String::from_utf8_lossy(p).into_owned());
            (u.unwrap_or_default(), p.unwrap_or_default())
        }
        "LOGIN" => {
            let u = match initial.as_deref() {
                Some(i) => b64.decode(i).ok(),
                None => ask("VXNlcm5hbWU6").await?,
            };
            let p = ask("UGFzc3dvcmQ6").await?;
            let text =
                |v: Option<Vec<u8>>| String::from_utf8_lossy(&v.unwrap_or_default()).into_owned();
            (text(u), text(p))
        }
        _ => return Ok("504 5.5.4 only AUTH PLAIN and LOGIN\r\n".into()),
    };
    match ctx.auth.check(&user, &pass) {
        Some(name) if ctx.accounts.contains_key(name) => {
            st.account = Some(name.to_string());
            Ok("235 2.7.0 signed in\r\n".into())
        }
        _ => Ok(
            "535 5.7.8 wrong user or password: the user is an account's name or address, the \
             password the one `easync serve --show-password` prints (not the Exchange password)\r\n"
                .into(),
        ),
    }
}

/// The address inside `FROM:<…>` / `TO:<…>`, parameters after it ignored but SIZE checked.
fn path_arg<'a>(arg: &'a str, key: &str) -> Option<(&'a str, &'a str)> {
    let rest = arg
        .get(..key.len())
        .filter(|k| k.eq_ignore_ascii_case(key))?;
    let rest = arg[rest.len()..].trim_start();
    let rest = rest.strip_prefix('<')?;
    let (addr, params) = rest.split_once('>')?;
    Some((addr.trim(), params.trim()))
}

fn mail(st: &mut State, arg: &str) -> String {
    if st.account.is_none() {
        return "530 5.7.0 sign in first (AUTH PLAIN with the local password)\r\n".into();
    }
    let Some((addr, params)) = path_arg(arg, "FROM:") else {
        return "501 5.5.4 syntax: MAIL FROM:<address>\r\n".into();
    };
    for p in params.split_whitespace() {
        if let Some(size) = p.strip_prefix("SIZE=").or_else(|| p.strip_prefix("size="))
            && size.parse::<usize>().is_ok_and(|s| s > MAX_MESSAGE)
        {
            return format!("552 5.3.4 larger than {MAX_MESSAGE} bytes\r\n");
        }
    }
    st.from = Some(addr.to_string());
    st.rcpt.clear();
    "250 2.1.0 OK\r\n".into()
}

fn rcpt(st: &mut State, arg: &str) -> String {
    if st.from.is_none() {
        return "503 5.5.1 MAIL FROM first\r\n".into();
    }
    match path_arg(arg, "TO:") {
        Some((addr, _)) if addr.contains('@') => {
            st.rcpt.push(addr.to_string());
            "250 2.1.5 OK\r\n".into()
        }
        _ => "501 5.1.3 syntax: RCPT TO:<address>\r\n".into(),
    }
}

/// Queues the message for the signed-in account; the answer to DATA.
fn queue(ctx: &SmtpContext, st: &State, message: &[u8]) -> String {
    let Some((database, email)) = st.account.as_ref().and_then(|a| ctx.accounts.get(a)) else {
        return "530 5.7.0 sign in first\r\n".into();
    };
    let envelope = Envelope {
        recipients: st.rcpt.clone(),
        from_headers: false,
        sender: st.from.clone().filter(|f| !f.is_empty()),
    };
    let prepared = match crate::mime::prepare(
        message,
        &envelope,
        email,
        chrono::Utc::now(),
        crate::mime::random(),
    ) {
        Ok(p) => p,
        Err(e) => return format!("554 5.6.0 {e}\r\n"),
    };
    if !prepared.warnings.is_empty() {
        // A bounce or redirect: the header names people RCPT TO does not, and Exchange
        // delivers to every address in the header.
        return format!(
            "554 5.7.1 {} — Exchange ActiveSync cannot send a message to fewer people than its \
             header names (a bounce or redirect); nothing was sent\r\n",
            prepared.warnings.join("; ").replace(['\r', '\n'], " ")
        );
    }
    let queued = Store::open(database).and_then(|mut db| {
        db.durable()?;
        db.queue_message(&NewMessage {
            command: OutboxCommand::Send,
            source: None,
            replace_mime: false,
            save_in_sent: true,
            message_id: Some(prepared.message_id.clone()),
            mime: prepared.mime,
            recipients: prepared.recipients,
            subject: prepared.subject,
        })
    });
    match queued {
        Ok(Queued::New(id)) | Ok(Queued::Already(id)) => {
            format!("250 2.0.0 queued as {id}; easync sends it to Exchange now\r\n")
        }
        Err(e) => {
            tracing::warn!("smtp: cannot queue: {e}");
            "451 4.3.0 the message could not be queued (see easync serve's log); try again\r\n"
                .into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn data_is_dot_unstuffed_and_ends_at_the_lone_dot() {
        let input: &[u8] = b"Subject: x\r\n\r\n..leading dot\r\nline\n.\r\nNEXT\r\n";
        let mut r = BufReader::new(input);
        let got = read_data(&mut r).await.unwrap().unwrap();
        assert_eq!(got, b"Subject: x\r\n\r\n.leading dot\r\nline\r\n");
        assert_eq!(read_line(&mut r).await.unwrap().as_deref(), Some("NEXT"));
    }

    #[test]
    fn paths_and_size_parameters() {
        assert_eq!(
            path_arg("FROM:<a@b> SIZE=10", "FROM:"),
            Some(("a@b", "SIZE=10"))
        );
        assert_eq!(path_arg("from: <a@b>", "FROM:"), Some(("a@b", "")));
        assert_eq!(path_arg("TO:a@b", "TO:"), None);
        let mut st = State {
            account: Some("w".into()),
            from: None,
            rcpt: Vec::new(),
        };
        assert!(mail(&mut st, &format!("FROM:<a@b> SIZE={}", MAX_MESSAGE + 1)).starts_with("552"));
        assert!(mail(&mut st, "FROM:<a@b> BODY=8BITMIME").starts_with("250"));
        assert!(rcpt(&mut st, "TO:<c@d>").starts_with("250"));
        assert!(rcpt(&mut st, "TO:<nobody>").starts_with("501"));
    }
}
