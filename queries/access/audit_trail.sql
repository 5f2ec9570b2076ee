-- grain: one row per recorded change (upload, retract, access, document, maintenance),
-- newest first
SELECT event_at, actor, role, via, action, target, detail
FROM raw_audit
ORDER BY event_at DESC
