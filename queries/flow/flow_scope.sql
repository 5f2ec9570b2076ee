-- macro: flow_scope(by_level, project_id, team, portfolio)
-- by_level: 'project' (the project id), 'team' (the item's team), 'portfolio' (the
-- project's portfolio) or anything else: 'All projects' (the whole portfolio).
CREATE OR REPLACE MACRO flow_scope(by_level, project_id, team, portfolio) AS
CASE by_level
    WHEN 'project' THEN project_id
    WHEN 'team' THEN team
    WHEN 'portfolio' THEN coalesce(portfolio, '(no portfolio)')
    ELSE 'All projects'
END;
