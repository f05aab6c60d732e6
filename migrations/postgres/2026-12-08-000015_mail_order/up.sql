-- Emails to one person go out in the order they were queued: the worker looks for an earlier
-- unsent email to the same address before it claims a later one.
CREATE INDEX outbox_recipient_idx ON outbox (to_addr, id) WHERE status IN ('pending', 'sending');
