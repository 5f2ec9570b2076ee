-- grain: inserts computed forecasts (the registered Arrow table flow_forecast_rows) into
-- flow_forecast_memo
INSERT INTO flow_forecast_memo BY NAME
SELECT * FROM flow_forecast_rows
