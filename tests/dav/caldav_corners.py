#!/usr/bin/python3
"""python3-caldav (Debian) against easync serve's CalDAV side: discovery from the root URL,
a new event found by a time-range search and by sync-collection, If-Match and If-None-Match
answered 412, a DELETE reported as removed by the next sync-collection.

Usage: caldav_corners.py URL USER PASSWORD  (prints what it checked; exits 1 on a failure)
"""
import sys
from datetime import datetime

import caldav

EVENT = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//python-caldav test//EN
BEGIN:VEVENT
UID:caldav-corner-1@example.org
DTSTAMP:20270101T000000Z
DTSTART:20270412T090000Z
DTEND:20270412T100000Z
SUMMARY:From python-caldav
END:VEVENT
END:VCALENDAR
"""


def check(what, ok):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        sys.exit(1)


def main(url, user, password):
    client = caldav.DAVClient(url, username=user, password=password)
    principal = client.principal()
    calendars = {c.name: c for c in principal.calendars()}
    check("the principal lists Calendar and Tasks: %s" % sorted(calendars), "Calendar" in calendars and "Tasks" in calendars)
    cal = calendars["Calendar"]
    objs = cal.objects_by_sync_token(load_objects=False)
    first = objs.sync_token
    check("a first sync-collection gives a token (%s) and %d objects" % (first, len(objs.objects)), bool(first) and len(objs.objects) > 0)

    ev = cal.save_event(EVENT)
    href = str(ev.url)
    found = cal.date_search(datetime(2027, 4, 12), datetime(2027, 4, 13))
    check("a time-range search finds the new event", any(str(o.url) == href for o in found))
    updated, deleted = objs.sync()
    check("sync-collection reports the new event as changed", [str(o.url) for o in updated] == [href] and not deleted)

    changed = EVENT.replace("From python-caldav", "Edited")
    r = client.put(href, changed, {"If-Match": '"not-the-etag"', "Content-Type": "text/calendar"})
    check("PUT with a stale If-Match is answered 412 (got %s)" % r.status, r.status == 412)
    r = client.put(href, changed, {"If-None-Match": "*", "Content-Type": "text/calendar"})
    check("PUT with If-None-Match: * over it is answered 412 (got %s)" % r.status, r.status == 412)
    ev.load()
    check("the event is unchanged", "From python-caldav" in ev.data)

    ev.delete()
    updated, deleted = objs.sync()
    check("sync-collection reports the deleted event as removed", [str(o.url) for o in deleted] == [href] and not updated)
    check("the token moved on", objs.sync_token != first)


if __name__ == "__main__":
    main(*sys.argv[1:4])
