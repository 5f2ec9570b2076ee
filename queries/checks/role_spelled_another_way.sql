-- rule: role_spelled_another_way
-- severity: warning
-- params: $previous_as_of (the day before this upload's as-of)
-- grain: one row per allocations row whose role or team is not one the capacity in force
-- before this week names, but is one of them written another way (case and spacing aside,
-- epmo_name_key), at its cell: capacity matches demand by the exact name, so 'business
-- analyst' or 'Business  Analyst' was a role of its own, shown as "No capacity" in the
-- heatmap while the Business Analysts' hours sat unused beside it
WITH supply AS MATERIALIZED (
    SELECT DISTINCT 'role' AS column_name, role AS name FROM capacity_as_of(CAST($previous_as_of AS DATE))
    WHERE role IS NOT NULL
    UNION
    SELECT DISTINCT 'team', team FROM capacity_as_of(CAST($previous_as_of AS DATE)) WHERE team IS NOT NULL
),

keyed AS (
    SELECT column_name, name, epmo_name_key(name) AS name_key FROM supply
),

demand AS (
    SELECT _file, _sheet, _row, 'role' AS column_name, role AS name FROM typed_allocations WHERE role IS NOT NULL
    UNION ALL
    SELECT _file, _sheet, _row, 'team', team FROM typed_allocations WHERE team IS NOT NULL
),

other_way AS (
    SELECT d.*, k.name AS capacity_name
    FROM demand AS d
    JOIN keyed AS k ON k.column_name = d.column_name AND k.name_key = epmo_name_key(d.name)
    WHERE NOT EXISTS (SELECT 1 FROM supply AS s WHERE s.column_name = d.column_name AND s.name = d.name)
    QUALIFY row_number() OVER (PARTITION BY d._file, d._sheet, d._row, d.column_name ORDER BY k.name) = 1
)

SELECT 'allocations' AS table_name, _file, _sheet, _row, column_name, name AS value,
       'The capacity names this ' || column_name || ' ''' || capacity_name || ''': demand is matched to '
       || 'capacity by the exact name, so ''' || name || ''' would be a ' || column_name
       || ' with no capacity of its own. Write it ''' || capacity_name || '''.' AS message
FROM other_way
ORDER BY _file, _sheet, _row, column_name
