-- grain: one row per person with access in force (their latest grant, not revoked since)
SELECT email, role, portfolios, teams, event_at AS granted_at, by_email AS granted_by, via, note
FROM raw_access
WHERE event IN ('grant', 'revoke')
QUALIFY row_number() OVER (PARTITION BY lower(email) ORDER BY event_at DESC) = 1
    AND event = 'grant'
ORDER BY lower(email)
