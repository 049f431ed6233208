-- When the provider took the message. updated_at moves on with the delivery receipt; this does not, so "accepted to
-- sent" stays measurable (the express SLA) after the receipt came.
ALTER TABLE messages ADD COLUMN sent_at timestamptz;
