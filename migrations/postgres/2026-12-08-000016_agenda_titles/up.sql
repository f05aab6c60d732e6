-- An agenda row keeps the speaker's organization (`affiliation`, linked to the directory and
-- counted by the balance report) apart from their job title.
ALTER TABLE event_agenda_items ADD COLUMN speaker_title TEXT NOT NULL DEFAULT '';
