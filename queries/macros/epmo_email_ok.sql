-- macro: epmo_email_ok(t) -> BOOLEAN
-- TRUE when the trimmed, non-blank text t is an email address (name@domain.tld, no
-- spaces). NULL for NULL. Used by queries/checks/email_malformed.sql and the validation
-- fast path alike.
CREATE OR REPLACE MACRO epmo_email_ok(t) AS regexp_full_match(t, '[^@\s]+@[^@\s]+\.[^@\s]+');
