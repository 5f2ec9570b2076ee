-- view: flow_forecast_memo_uploads
-- grain: one row per (upload, project, report date) already in flow_forecast_memo on this
-- connection
SELECT upload_id, project_id, as_of_date FROM flow_forecast_memo
