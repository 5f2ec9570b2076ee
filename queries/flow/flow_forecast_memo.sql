-- table: flow_forecast_memo
-- grain: one row per work_items submission (upload, project, report date) whose forecast
-- this store connection has computed: when the project's remaining items will be done, from
-- the backlog's report date (as_of_date) and its daily throughput over the [flow] window.
-- One upload's backlog has two report dates when a "no change this week" confirmation
-- carries it to a later week: a forecast for each (joined on all three, else the project
-- is counted twice).
-- The Monte Carlo runs in numpy (epmo/flow.py: prepare_forecasts); epmo.sql fills this
-- before computing the health of a week (views/project_health_compute.sql reads it for the
-- agile RAG). rag_date is the [flow] rag_percentile date (85 % by default).
-- needs: health
CREATE OR REPLACE TABLE flow_forecast_memo (
    upload_id VARCHAR,
    project_id VARCHAR,
    as_of_date DATE,
    remaining_items BIGINT,
    done_in_window BIGINT,
    created_in_window BIGINT,
    p50_date DATE,
    p85_date DATE,
    p95_date DATE,
    rag_date DATE,
    forecast_note VARCHAR
);
