"""submission_validity (built once per snapshot connection) gives exactly the portfolio as of
any week that ranking every submission per week gives (the definition it replaced)."""

from __future__ import annotations

import datetime as dt

import pytest

from epmo.store import Store

# The as-of definition ranked in every query, as it was before submission_validity.
RANKED = """
WITH week_list AS (SELECT DISTINCT CAST(unnest($weeks) AS DATE) AS week_date),
live AS (SELECT upload_id, as_of_date, committed_at FROM accepted_uploads WHERE NOT is_retracted),
cands AS (
    SELECT w.week_date, s.table_name, s.entity_key, s.upload_id, u.as_of_date, u.committed_at
    FROM raw_submissions AS s JOIN live AS u USING (upload_id) JOIN week_list AS w ON u.as_of_date <= w.week_date
)
SELECT week_date, table_name, entity_key, upload_id, as_of_date,
       CAST(date_diff('day', as_of_date, week_date) // 7 AS INTEGER) AS weeks_stale
FROM cands
QUALIFY row_number() OVER (
    PARTITION BY week_date, table_name, entity_key ORDER BY as_of_date DESC, committed_at DESC, upload_id DESC
) = 1
ORDER BY ALL
"""
NEW = (
    "SELECT week_date, table_name, entity_key, upload_id, as_of_date, weeks_stale "
    "FROM current_submissions_weeks($weeks) ORDER BY ALL"
)

WEEKS = [
    dt.date(2025, 1, 3),  # before the first report: nothing
    dt.date(2026, 6, 5),
    dt.date(2026, 6, 8),  # a Monday between reporting weeks
    dt.date(2026, 11, 13),
    dt.date(2026, 11, 20),
    dt.date(2027, 3, 1),  # after the last report: everything stale
]


def _both(store: Store, weeks: list[dt.date]) -> tuple[list[tuple], list[tuple]]:
    con = store.connect()
    try:
        old = con.execute(RANKED, {"weeks": weeks}).fetchall()
        new = con.execute(NEW, {"weeks": weeks}).fetchall()
    finally:
        con.close()
    return old, new


@pytest.mark.parametrize("weeks", [[w] for w in WEEKS] + [WEEKS])
def test_same_submissions_as_ranking_every_week(demo_store: Store, weeks: list[dt.date]) -> None:
    old, new = _both(demo_store, weeks)
    assert new == old
    if weeks != [dt.date(2025, 1, 3)]:
        assert len(new) > 0


def test_same_after_a_retraction_and_a_same_week_resubmission(demo_store: Store) -> None:
    from tests.conftest import project, upload_tables

    week = dt.date(2026, 11, 20)
    before, _ = _both(demo_store, [week])
    pid = next(r[2] for r in before if r[1] == "projects")
    # a same-week resubmission supersedes; retracting it restores the earlier one
    again = upload_tables(demo_store, week, projects=[project(pid, rag_overall="Red")])
    old, new = _both(demo_store, [week, dt.date(2026, 11, 27)])
    assert new == old
    assert (week, "projects", pid, again) in {r[:4] for r in new}
    demo_store.retract(again, "admin@example.org", "wrong file")
    old, new = _both(demo_store, [week, dt.date(2026, 11, 27)])
    assert new == old
    assert again not in {r[3] for r in new}
