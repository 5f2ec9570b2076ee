-- macro: capacity_scenario_supply
-- grain: one row per capacity record and working day (see capacity_supply_days), plus one
-- row per capacity change and working day from its change_from date up to horizon_end
-- (exclusive): change_hours per week (negative = fewer), spread over Monday to Friday, for
-- the role in change_teams (blank = the team that supplies most of the role; a role no team
-- supplies: the team that demands most of it, so that a hire shows in the team views, where it
-- landed on "(no team)" and changed nothing). Empty lists give the baseline.
-- needs: supply, demand
CREATE OR REPLACE MACRO capacity_scenario_supply(
    as_of, change_roles, change_teams, change_from, change_hours, horizon_end
) AS TABLE
WITH base AS (
    SELECT team, role, resource_name, work_date, hours FROM capacity_supply_days(as_of)
),

main_team AS (
    SELECT role, arg_max(team, hours) AS team
    FROM (SELECT role, team, sum(hours) AS hours FROM base GROUP BY ALL)
    GROUP BY role
),

demand_team AS (  -- a role no team supplies: the team that plans most of its hours
    SELECT role, arg_max(team, hours) AS team
    FROM (
        SELECT role, team, sum(hours) AS hours
        FROM capacity_demand_days(as_of)
        WHERE team IS NOT NULL
        GROUP BY ALL
    )
    GROUP BY role
),

changes AS (
    SELECT unnest(change_roles) AS role, unnest(change_teams) AS team,
           unnest(change_from) AS from_date, unnest(change_hours) AS hours_per_week
),

change_days AS (
    SELECT coalesce(nullif(c.team, ''), m.team, d.team) AS team, c.role, CAST(NULL AS VARCHAR) AS resource_name,
           CAST(unnest(generate_series(CAST(c.from_date AS DATE), CAST(horizon_end AS DATE) - 1, INTERVAL 1 DAY)) AS DATE)
               AS work_date,
           c.hours_per_week / 5.0 AS hours
    FROM changes AS c
    LEFT JOIN main_team AS m USING (role)
    LEFT JOIN demand_team AS d USING (role)
)

SELECT * FROM base
UNION ALL
SELECT * FROM change_days WHERE isodow(work_date) <= 5;
