-- easync store, migration 4: every field users query contacts, events and tasks by.
-- Lists and structures are JSON (query them with json_each / ->>).

ALTER TABLE contacts ADD COLUMN nickname TEXT;
ALTER TABLE contacts ADD COLUMN title TEXT;            -- Mr., Dr. …
ALTER TABLE contacts ADD COLUMN suffix TEXT;
ALTER TABLE contacts ADD COLUMN department TEXT;
ALTER TABLE contacts ADD COLUMN office_location TEXT;
ALTER TABLE contacts ADD COLUMN web_page TEXT;
ALTER TABLE contacts ADD COLUMN anniversary TEXT;
ALTER TABLE contacts ADD COLUMN spouse TEXT;
ALTER TABLE contacts ADD COLUMN assistant_name TEXT;
ALTER TABLE contacts ADD COLUMN manager_name TEXT;
ALTER TABLE contacts ADD COLUMN im_addresses TEXT;     -- JSON array
ALTER TABLE contacts ADD COLUMN addresses TEXT;        -- JSON array of {kind, street, city, state, postal_code, country}
ALTER TABLE contacts ADD COLUMN categories TEXT;       -- JSON array
ALTER TABLE contacts ADD COLUMN children TEXT;         -- JSON array
ALTER TABLE contacts ADD COLUMN notes TEXT;
ALTER TABLE contacts ADD COLUMN photo BLOB;            -- the picture's bytes (JPEG, usually)

ALTER TABLE events ADD COLUMN organizer_name TEXT;
ALTER TABLE events ADD COLUMN time_zone TEXT;          -- JSON {bias, standard_name, daylight_name, daylight_bias}
ALTER TABLE events ADD COLUMN reminder INTEGER;        -- minutes before the start
ALTER TABLE events ADD COLUMN sensitivity INTEGER;     -- 0 normal, 1 personal, 2 private, 3 confidential
ALTER TABLE events ADD COLUMN meeting_status INTEGER;
ALTER TABLE events ADD COLUMN response_type INTEGER;
ALTER TABLE events ADD COLUMN description TEXT;
ALTER TABLE events ADD COLUMN categories TEXT;         -- JSON array
ALTER TABLE events ADD COLUMN attendees TEXT;          -- JSON array of {email, name, status, type}
ALTER TABLE events ADD COLUMN recurrence TEXT;         -- JSON {type, interval, occurrences, until, day_of_week, …}
ALTER TABLE events ADD COLUMN exceptions TEXT;         -- JSON array of {original_start, deleted, subject, start_time, end_time, location}
ALTER TABLE events ADD COLUMN online_meeting_link TEXT;

ALTER TABLE tasks ADD COLUMN start_date TEXT;
ALTER TABLE tasks ADD COLUMN date_completed TEXT;
ALTER TABLE tasks ADD COLUMN reminder_time TEXT;
ALTER TABLE tasks ADD COLUMN sensitivity INTEGER;
ALTER TABLE tasks ADD COLUMN categories TEXT;          -- JSON array
ALTER TABLE tasks ADD COLUMN body TEXT;
ALTER TABLE tasks ADD COLUMN recurrence TEXT;          -- JSON, as for events
