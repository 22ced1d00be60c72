#!/usr/bin/env python3
"""Seeds the SOGo test account (bob) and runs the SMTP sink. Standard library only.

  seed.py seed        IMAP folders and mails, CardDAV contacts, CalDAV events and a task
  seed.py smtp-sink   an SMTP server on 127.0.0.1:$SMTP_PORT writing $DIR/smtp-sink/NNNN.eml
                      (and NNNN.rcpt: the envelope recipients, one per line)
  seed.py modseq      turns on Dovecot modseq tracking for every mailbox (NOTES.md quirk 1)

Server-side changes for the interop tests (they undo what they add):
  seed.py mail-add SUBJECT        IMAP APPEND of a plain mail to INBOX
  seed.py mail-delete SUBJECT     IMAP STORE \\Deleted + EXPUNGE of the INBOX mails with SUBJECT
  seed.py contact-put UID FN EMAIL   CardDAV PUT of a contact
  seed.py contact-delete UID      CardDAV DELETE
  seed.py bulk N | bulk-delete    a folder Bulk with N mails of ~2 KB (the sync benchmark)
  seed.py folder-fill NAME N      a folder NAME with N mails ("NAME message i")
  seed.py folder-flags NAME       \\Seen on every mail of NAME, \\Flagged on every third
  seed.py folder-rename OLD NEW   IMAP RENAME
  seed.py folder-delete NAME      IMAP DELETE
  seed.py purge NAME TEXT         IMAP delete + expunge of the mails of NAME whose subject has TEXT
  seed.py dav-grep COLLECTION TEXT   prints each item of a DAV collection (e.g. Calendar/personal/)
                                  holding TEXT, separated by lines of ====; dav-purge deletes them
  seed.py imap-state NAME         prints "SUBJECT<TAB>FLAGS" for every mail of NAME (read-only)
  seed.py invite UID SUMMARY      CalDAV PUT into alice's calendar of a meeting she organizes,
                                  bob invited (PARTSTAT=NEEDS-ACTION): SOGo puts it into bob's
"""
import asyncio
import base64
import imaplib
import os
import re
import sys
import urllib.request

DIR = os.environ.get("DIR", "/tmp/easync-sogo")
SOGO = f"http://127.0.0.1:{os.environ.get('SOGO_PORT', '20000')}/SOGo/dav/bob"
IMAP_PORT = int(os.environ.get("IMAP_PORT", "20143"))
SMTP_PORT = int(os.environ.get("SMTP_PORT", "20025"))
AUTH = "Basic " + base64.b64encode(b"bob:bob-pass").decode()


def mail(n, subject, date, extra_headers="", body=None):
    body = body or f"Hello Bob, this is seed message number {n}.\r\n"
    return (
        f"From: Alice Example <alice@example.test>\r\nTo: Bob Tester <bob@example.test>\r\n"
        f"Subject: {subject}\r\nDate: {date}\r\nMessage-ID: <seed-{n}@example.test>\r\n"
        f"MIME-Version: 1.0\r\n{extra_headers}"
    ).encode() + (b"" if extra_headers else b"Content-Type: text/plain; charset=utf-8\r\n") + b"\r\n" + body.encode()


def with_attachment():
    payload = base64.b64encode(b"attachment payload: hello from the seed\n").decode()
    body = (
        "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the attachment.\r\n"
        "--b1\r\nContent-Type: text/plain; name=hello.txt\r\n"
        "Content-Disposition: attachment; filename=hello.txt\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        f"{payload}\r\n--b1--\r\n"
    )
    return mail(4, "Seed message 4 with attachment", "Sun, 24 Nov 2024 10:04:00 +0000",
                'Content-Type: multipart/mixed; boundary="b1"\r\n', body)


def login():
    imap = imaplib.IMAP4("127.0.0.1", IMAP_PORT)
    imap.login("bob", "bob-pass")
    return imap


def modseq(imap):
    # SOGo needs HIGHESTMODSEQ on every mailbox (NOTES.md quirk 1).
    imap._simple_command("ENABLE", "CONDSTORE")
    typ, boxes = imap.list()
    for line in boxes:
        name = line.decode().rsplit(' "/" ', 1)[-1].strip('"')
        imap.select(f'"{name}"')


def mail_add(subject):
    imap = login()
    data = mail(100, subject, "Fri, 27 Nov 2026 10:00:00 +0000")
    typ, _ = imap.append("INBOX", "()", None, data)
    assert typ == "OK", typ
    imap.logout()


def mail_delete(subject):
    imap = login()
    imap.select("INBOX")
    typ, found = imap.search(None, "SUBJECT", f'"{subject}"')
    assert typ == "OK" and found[0], f"no mail with subject {subject}"
    for n in found[0].split():
        imap.store(n, "+FLAGS", "\\Deleted")
    imap.expunge()
    imap.logout()


def bulk(n):
    """A folder Bulk with n mails of ~2 KB, for the sync benchmark."""
    imap = login()
    imap.create("Bulk")
    imap.subscribe("Bulk")
    text = "The quick brown fox jumps over the lazy dog. " * 45
    for i in range(n):
        data = mail(1000 + i, f"Bulk message {i}", "Fri, 27 Nov 2026 10:00:00 +0000", body=text + "\r\n")
        typ, _ = imap.append("Bulk", "()", None, data)
        assert typ == "OK", typ
    modseq(imap)
    imap.logout()


def folder_fill(name, n):
    imap = login()
    imap.create(name)
    imap.subscribe(name)
    for i in range(n):
        data = mail(2000 + i, f"{name} message {i}", "Fri, 27 Nov 2026 11:00:00 +0000",
                    body=f"Body of {name} message {i}: keep me.\r\n")
        typ, _ = imap.append(name, "()", None, data)
        assert typ == "OK", typ
    modseq(imap)
    imap.logout()


def folder_flags(name):
    imap = login()
    imap.select(name)
    typ, found = imap.search(None, "ALL")
    assert typ == "OK", typ
    for k, n in enumerate(found[0].split()):
        imap.store(n, "+FLAGS", "\\Seen")
        if k % 3 == 0:
            imap.store(n, "+FLAGS", "\\Flagged")
    imap.logout()


def folder_rename(old, new):
    imap = login()
    imap.unsubscribe(old)
    typ, _ = imap.rename(old, new)
    assert typ == "OK", typ
    imap.subscribe(new)
    modseq(imap)
    imap.logout()


def folder_delete(name):
    imap = login()
    imap.unsubscribe(name)
    imap.delete(name)
    imap.logout()


def purge(name, text):
    imap = login()
    typ, _ = imap.select(f'"{name}"')
    assert typ == "OK", typ
    typ, found = imap.search(None, "SUBJECT", f'"{text}"')
    assert typ == "OK", typ
    for n in found[0].split():
        imap.store(n, "+FLAGS", "\\Deleted")
    imap.expunge()
    imap.logout()


def imap_state(name):
    imap = login()
    typ, _ = imap.select(f'"{name}"', readonly=True)
    assert typ == "OK", typ
    typ, found = imap.search(None, "ALL")
    assert typ == "OK", typ
    for n in found[0].split():
        typ, data = imap.fetch(n, "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        assert typ == "OK", typ
        flags = imaplib.ParseFlags(data[0][0])
        subject = data[0][1].decode().split(":", 1)[-1].strip()
        print(subject + "\t" + " ".join(f.decode() for f in flags))
    imap.logout()


def bulk_delete():
    imap = login()
    imap.unsubscribe("Bulk")
    imap.delete("Bulk")
    imap.logout()


def dav_items(coll):
    body = b'<?xml version="1.0"?><propfind xmlns="DAV:"><prop><getetag/></prop></propfind>'
    req = urllib.request.Request(f"{SOGO}/{coll}", data=body, method="PROPFIND",
                                 headers={"Authorization": AUTH, "Depth": "1",
                                          "Content-Type": "application/xml"})
    with urllib.request.urlopen(req, timeout=30) as r:
        listing = r.read().decode("utf-8")
    names = sorted(set(re.findall(r"<[^>]*href>([^<]*\.(?:vcf|ics))</", listing)))
    for n in names:
        name = n.rsplit("/", 1)[-1]
        req = urllib.request.Request(f"{SOGO}/{coll}{name}", headers={"Authorization": AUTH})
        with urllib.request.urlopen(req, timeout=30) as r:
            yield name, r.read().decode("utf-8")


def dav_grep(coll, text, purge=False):
    for name, body in dav_items(coll):
        if text in body:
            if purge:
                dav_delete(f"{coll}{name}")
            else:
                print(body.replace("\r\n ", "").strip())
                print("====")


def dav_delete(path):
    req = urllib.request.Request(f"{SOGO}/{path}", method="DELETE", headers={"Authorization": AUTH})
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status in (200, 204), r.status


def seed_imap():
    imap = login()
    for box in ("Archive", "Projects", "Projects/Alpha"):
        imap.create(box)
        imap.subscribe(box)
    msgs = [
        (mail(1, "Seed message 1", "Thu, 21 Nov 2024 10:01:00 +0000"), "()"),
        (mail(2, "Seed message 2", "Fri, 22 Nov 2024 10:02:00 +0000"), "(\\Seen)"),
        (mail(3, "Seed message 3", "Sat, 23 Nov 2024 10:03:00 +0000"), "(\\Flagged)"),
        (with_attachment(), "()"),
    ]
    for data, flags in msgs:
        typ, _ = imap.append("INBOX", flags, None, data)
        assert typ == "OK", typ
    modseq(imap)
    imap.logout()


def put(path, content_type, body, base=None, auth=None):
    req = urllib.request.Request(f"{base or SOGO}/{path}", data=body.encode(), method="PUT",
                                 headers={"Authorization": auth or AUTH,
                                          "Content-Type": content_type})
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status in (201, 204), r.status


def contact(uid, n, fn, org, email, tel):
    return (f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nN:{n};;;\r\nFN:{fn}\r\n{org}"
            f"EMAIL;TYPE=INTERNET:{email}\r\n{tel}END:VCARD\r\n")


def invite(uid, summary):
    # Alice organizes it in her own calendar; SOGo delivers the invitation to bob's (iTIP).
    alice = SOGO.rsplit("/", 1)[0] + "/alice"
    auth = "Basic " + base64.b64encode(b"alice:alice-pass").decode()
    put(f"Calendar/personal/{uid}.ics", "text/calendar; charset=utf-8",
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//easync//seed//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20270301T090000Z\r\n"
        f"DTEND:20270301T100000Z\r\nSUMMARY:{summary}\r\n"
        "ORGANIZER;CN=Alice Example:mailto:alice@example.test\r\n"
        "ATTENDEE;CN=Bob Tester;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;ROLE=REQ-PARTICIPANT:"
        "mailto:bob@example.test\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", alice, auth)


def seed_dav():
    contacts = [
        ("seed-contact-1", "Example;Alice", "Alice Example", "ORG:Example Corp\r\n", "alice@example.test",
         "TEL;TYPE=CELL:+1-555-0101\r\n"),
        ("seed-contact-2", "Sample;Carol", "Carol Sample", "", "carol@example.test", ""),
    ]
    for uid, n, fn, org, email, tel in contacts:
        put(f"Contacts/personal/{uid}.vcf", "text/vcard; charset=utf-8",
            contact(uid, n, fn, org, email, tel))
    events = [
        ("seed-event-1", "20270115T100000Z", "20270115T110000Z", "Seed meeting one",
         "LOCATION:Room 1\r\nDESCRIPTION:First seeded event\r\n"),
        ("seed-event-2", "20270116T140000Z", "20270116T150000Z", "Seed meeting two", ""),
    ]
    for uid, start, end, summary, extra in events:
        put(f"Calendar/personal/{uid}.ics", "text/calendar; charset=utf-8",
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//easync//seed//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{start}\r\nDTEND:{end}\r\n"
            f"SUMMARY:{summary}\r\n{extra}END:VEVENT\r\nEND:VCALENDAR\r\n")
    # An all-day event repeating weekly, four times.
    put("Calendar/personal/seed-event-3.ics", "text/calendar; charset=utf-8",
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//easync//seed//EN\r\nBEGIN:VEVENT\r\n"
        "UID:seed-event-3\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20270201\r\n"
        "DTEND;VALUE=DATE:20270202\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\n"
        "SUMMARY:Seed weekly all-day\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    put("Calendar/personal/seed-task-1.ics", "text/calendar; charset=utf-8",
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//easync//seed//EN\r\nBEGIN:VTODO\r\n"
        "UID:seed-task-1\r\nDTSTAMP:20260101T000000Z\r\nDUE:20270120T170000Z\r\n"
        "SUMMARY:Seed task one\r\nSTATUS:NEEDS-ACTION\r\nEND:VTODO\r\nEND:VCALENDAR\r\n")


async def smtp_session(reader, writer):
    out = os.path.join(DIR, "smtp-sink")
    os.makedirs(out, exist_ok=True)
    writer.write(b"220 easync-sink ESMTP\r\n")
    data, in_data, rcpt = [], False, []
    while line := await reader.readline():
        if in_data:
            if line in (b".\r\n", b".\n"):
                n = len([f for f in os.listdir(out) if f.endswith(".eml")]) + 1
                # The envelope recipients first (NNNN.rcpt), so a reader that sees the .eml
                # finds them: Bcc addresses are only there.
                with open(os.path.join(out, f"{n:04d}.rcpt"), "wb") as f:
                    f.write(b"".join(r + b"\n" for r in rcpt))
                with open(os.path.join(out, f"{n:04d}.eml"), "wb") as f:
                    f.write(b"".join(data))
                data, in_data, rcpt = [], False, []
                writer.write(b"250 OK\r\n")
            else:
                data.append(line[1:] if line.startswith(b"..") else line)
            continue
        verb = line[:4].upper()
        if verb in (b"EHLO", b"HELO"):
            writer.write(b"250 easync-sink\r\n")
        elif verb == b"RCPT":
            addr = line.split(b":", 1)[-1].strip()
            rcpt.append(addr.strip(b"<>").split(b">")[0])
            writer.write(b"250 OK\r\n")
        elif verb == b"DATA":
            in_data = True
            writer.write(b"354 go ahead\r\n")
        elif verb == b"QUIT":
            writer.write(b"221 bye\r\n")
            break
        else:
            writer.write(b"250 OK\r\n")
        await writer.drain()
    writer.close()


async def smtp_sink():
    server = await asyncio.start_server(smtp_session, "127.0.0.1", SMTP_PORT)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "seed":
        seed_imap()
        seed_dav()
        print("seeded")
    elif cmd == "smtp-sink":
        asyncio.run(smtp_sink())
    elif cmd == "bulk" and len(sys.argv) == 3:
        bulk(int(sys.argv[2]))
    elif cmd == "bulk-delete":
        bulk_delete()
    elif cmd == "folder-fill" and len(sys.argv) == 4:
        folder_fill(sys.argv[2], int(sys.argv[3]))
    elif cmd == "folder-flags" and len(sys.argv) == 3:
        folder_flags(sys.argv[2])
    elif cmd == "folder-rename" and len(sys.argv) == 4:
        folder_rename(sys.argv[2], sys.argv[3])
    elif cmd == "folder-delete" and len(sys.argv) == 3:
        folder_delete(sys.argv[2])
    elif cmd == "purge" and len(sys.argv) == 4:
        purge(sys.argv[2], sys.argv[3])
    elif cmd in ("dav-grep", "dav-purge") and len(sys.argv) == 4:
        dav_grep(sys.argv[2], sys.argv[3], purge=cmd == "dav-purge")
    elif cmd == "invite" and len(sys.argv) == 4:
        invite(sys.argv[2], sys.argv[3])
    elif cmd == "imap-state" and len(sys.argv) == 3:
        imap_state(sys.argv[2])
    elif cmd == "modseq":
        imap = login()
        modseq(imap)
        imap.logout()
    elif cmd == "mail-add" and len(sys.argv) == 3:
        mail_add(sys.argv[2])
    elif cmd == "mail-delete" and len(sys.argv) == 3:
        mail_delete(sys.argv[2])
    elif cmd == "contact-put" and len(sys.argv) == 5:
        uid, fn, email = sys.argv[2:5]
        last, _, first = fn.rpartition(" ")[::-1] if " " in fn else (fn, "", "")
        put(f"Contacts/personal/{uid}.vcf", "text/vcard; charset=utf-8",
            contact(uid, f"{last};{first}", fn, "", email, ""))
    elif cmd == "contact-delete" and len(sys.argv) == 3:
        dav_delete(f"Contacts/personal/{sys.argv[2]}.vcf")
    else:
        print(__doc__)
        sys.exit(2)
