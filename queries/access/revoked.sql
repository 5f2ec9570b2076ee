-- grain: one row per person whose latest grant or revocation is a revocation (their access
-- is denied: the group mapping does not give it back; a new grant does)
SELECT email, event_at AS revoked_at, by_email AS revoked_by, note
FROM raw_access
WHERE event IN ('grant', 'revoke')
QUALIFY row_number() OVER (PARTITION BY lower(email) ORDER BY event_at DESC) = 1
    AND event = 'revoke'
ORDER BY lower(email)
