-- grain: inserts the demand of $as_of summed per line and segment into demand_segment_memo
-- params: $as_of
-- Run by epmo.sql right after the week's demand days are in demand_memo (same transaction).
-- In segment order, so that a horizon reads only its row groups.
INSERT INTO demand_segment_memo
SELECT CAST($as_of AS DATE), * FROM capacity_demand_segments_compute(CAST($as_of AS DATE))
ORDER BY segment_start
