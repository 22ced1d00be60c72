#!/usr/bin/env python3
"""Compare what SOGo serves over CalDAV/CardDAV with what easync exported through EAS.

  dav_compare.py calendar EXPORTED.ics...   events: same UIDs, summaries, start/end instants
                                            and recurrence sets (first 20 occurrences)
  dav_compare.py contacts EXPORTED.vcf...   contacts: same names and e-mail addresses

Prints what it compared; exits 1 on the first difference. Needs python3-vobject (Debian).
"""
import datetime
import os
import re
import sys
import urllib.request

import vobject

SOGO = f"http://127.0.0.1:{os.environ.get('SOGO_PORT', '20000')}/SOGo/dav/bob"
AUTH = "Basic Ym9iOmJvYi1wYXNz"  # bob:bob-pass, the test account of sogo.sh


def dav(path, method="GET", body=None, depth=None):
    headers = {"Authorization": AUTH}
    if depth is not None:
        headers["Depth"] = depth
        headers["Content-Type"] = "application/xml"
    req = urllib.request.Request(f"{SOGO}/{path}", data=body, method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read().decode("utf-8")


def collection(path, ext):
    listing = dav(path, "PROPFIND", b'<?xml version="1.0"?><propfind xmlns="DAV:"><prop><getetag/></prop></propfind>', "1")
    names = sorted(set(re.findall(r"<[^>]*href>([^<]*\." + ext + r")</", listing)))
    return [dav(path + n.rsplit("/", 1)[-1]) for n in names]


def instant(v):
    if isinstance(v, datetime.datetime):
        return v.astimezone(datetime.timezone.utc) if v.tzinfo else v.replace(tzinfo=datetime.timezone.utc)
    return v  # a date: all-day


def events(texts):
    out = {}
    for t in texts:
        cal = vobject.readOne(t)
        for ev in getattr(cal, "vevent_list", []):
            if hasattr(ev, "recurrence_id"):
                continue
            occ = []
            if hasattr(ev, "rrule"):
                for i, d in enumerate(ev.getrruleset()):
                    if i >= 20:
                        break
                    occ.append(instant(d))
            out[ev.uid.value] = (ev.summary.value, instant(ev.dtstart.value), instant(ev.dtend.value), occ)
    return out


def contacts(texts):
    out = set()
    for t in texts:
        for card in vobject.readComponents(t):
            emails = sorted(e.value.lower() for e in getattr(card, "email_list", []))
            out.add((card.fn.value, tuple(emails)))
    return out


def main():
    kind, files = sys.argv[1], sys.argv[2:]
    mine = [open(f, encoding="utf-8").read() for f in files]
    if kind == "calendar":
        theirs, ours = events(collection("Calendar/personal/", "ics")), events(mine)
        for uid, (summary, start, end, occ) in theirs.items():
            if uid not in ours:
                sys.exit(f"UID {uid} ({summary}) is not in the export")
            if ours[uid] != (summary, start, end, occ):
                sys.exit(f"{uid}: SOGo {(summary, start, end, occ)}\n   easync {ours[uid]}")
        print(f"{len(theirs)} events agree")
    elif kind == "contacts":
        theirs, ours = contacts(collection("Contacts/personal/", "vcf")), contacts(mine)
        if not theirs <= ours:
            sys.exit(f"missing from the export: {theirs - ours}")
        print(f"{len(theirs)} contacts agree")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
