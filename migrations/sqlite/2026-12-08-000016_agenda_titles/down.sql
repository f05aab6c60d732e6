ALTER TABLE event_agenda_items DROP COLUMN speaker_title;
