DROP INDEX outbox_recipient_idx;
