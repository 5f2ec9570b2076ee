-- grain: one row per access event (grant, revoke, assign_pm), newest first: every change kept
SELECT event_at, event, email, role, portfolios, teams, project_id, by_email, via, note
FROM raw_access
ORDER BY event_at DESC
