-- view: flow_forecast_memo_uploads
-- grain: one row per (upload, project) already in flow_forecast_memo on this connection
SELECT upload_id, project_id FROM flow_forecast_memo
