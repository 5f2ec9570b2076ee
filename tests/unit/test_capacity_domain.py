"""Capacity domain code: scenario specs, saved scenarios, horizon, exports and the CLI views."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from epmo import access, capacity
from epmo.capacity import Change, Scenario
from epmo.cli import main
from epmo.store import Store
from tests.conftest import DEMO_END, person

D = dt.date


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"kind": "exclude", "project_id": " P1 "}, Change("exclude", project_id="P1")),
        ({"kind": "shift", "project_id": "P1", "weeks": -3}, Change("shift", project_id="P1", weeks=-3)),
        ({"kind": "shift", "project_id": "P1", "weeks": 2.0}, Change("shift", project_id="P1", weeks=2)),
        (
            {"kind": "scale", "project_id": "P1", "percent": 150},
            Change("scale", project_id="P1", percent=150.0),
        ),
        (
            {"kind": "capacity", "role": "Developer", "from_month": "2027-03", "fte": 2},
            Change("capacity", role="Developer", from_month=D(2027, 3, 1), hours_per_week=75.0),
        ),
        (
            {
                "kind": "capacity",
                "role": "Tester",
                "team": "QA",
                "from_month": "2027-01-01",
                "hours_per_week": -20,
            },
            Change("capacity", role="Tester", team="QA", from_month=D(2027, 1, 1), hours_per_week=-20.0),
        ),
    ],
)
def test_parse_change(item: dict[str, object], expected: Change) -> None:
    got = capacity.parse_change(item)
    assert got == expected
    assert capacity.parse_change(got.to_dict()) == got  # the JSON form reads back the same


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"changes": [{"kind": "delete", "project_id": "P1"}]}', "'kind' must be one of"),
        ('{"changes": [{"kind": "exclude"}]}', "change 1: 'project_id' is required"),
        (
            '{"changes": [{"kind": "exclude", "project_id": "P1"}, {"kind": "shift", "project_id": "P1", "weeks": 1.5}]}',
            "change 2: 'weeks' must be a whole number",
        ),
        ('{"changes": [{"kind": "shift", "project_id": "P1", "weeks": 500}]}', "between -104 and 104"),
        ('{"changes": [{"kind": "shift", "project_id": "P1", "weeks": "two"}]}', "'weeks' must be a number"),
        (
            '{"changes": [{"kind": "scale", "project_id": "P1", "percent": -5}]}',
            "'percent' must be between 0",
        ),
        (
            '{"changes": [{"kind": "capacity", "role": "Dev", "from_month": "2027-01-15", "fte": 1}]}',
            "must be the 1st of a month",
        ),
        (
            '{"changes": [{"kind": "capacity", "role": "Dev", "from_month": "March", "fte": 1}]}',
            "must be a month",
        ),
        (
            '{"changes": [{"kind": "capacity", "role": "Dev", "from_month": "2027-01", "fte": 1, "hours_per_week": 3}]}',
            "either 'hours_per_week' or 'fte'",
        ),
        (
            '{"changes": [{"kind": "capacity", "role": "Dev", "from_month": "2027-01", "fte": 0}]}',
            "changes nothing",
        ),
        ('{"changes": [], "owner": "me"}', "unknown scenario field(s): owner"),
        ('"just text"', "a scenario is an object"),
    ],
)
def test_bad_scenarios_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=None) as exc:
        Scenario.from_json(text)
    assert message in str(exc.value)


def test_scenario_parameters_and_round_trip() -> None:
    sc = Scenario.from_dict(
        [
            {"kind": "exclude", "project_id": "P9"},
            {"kind": "shift", "project_id": "P1", "weeks": 2},
            {"kind": "scale", "project_id": "P2", "percent": 50},
            {"kind": "capacity", "role": "Developer", "from_month": "2027-02", "hours_per_week": 10},
        ]
    )
    assert Scenario.from_json(sc.to_json()) == sc
    assert sc.params() == {
        "exclude_projects": ["P9"],
        "shift_projects": ["P1"],
        "shift_weeks": [2],
        "scale_projects": ["P2"],
        "scale_pcts": [50.0],
        "change_roles": ["Developer"],
        "change_teams": [""],
        "change_from": [D(2027, 2, 1)],
        "change_hours": [10.0],
    }
    assert (
        sc.without(0).excluded == [] and len(sc.with_change(Change("exclude", project_id="P3")).changes) == 5
    )
    assert [c.describe() for c in sc.changes][-1] == "Developer: +10 h/week (+0.3 FTE) from Feb 2027"


@pytest.mark.parametrize(
    ("weeks", "said"), [(1, "Shift P1 by +1 week"), (-1, "Shift P1 by -1 week"), (3, "Shift P1 by +3 weeks")]
)
def test_a_shift_reads_in_weeks(weeks: int, said: str) -> None:
    assert Change("shift", project_id="P1", weeks=weeks).describe() == said


@pytest.mark.parametrize(
    ("as_of", "months", "end"),
    [
        (D(2026, 11, 20), 6, D(2027, 5, 1)),
        (D(2026, 11, 20), 1, D(2026, 12, 1)),
        (D(2026, 12, 31), 2, D(2027, 2, 1)),
    ],
)
def test_horizon_end(as_of: dt.date, months: int, end: dt.date) -> None:
    assert capacity.horizon_end(as_of, months) == end


def test_bad_view_options_are_refused() -> None:
    with pytest.raises(ValueError, match="grain must be one of week, month, quarter"):
        capacity.query_params(D(2026, 11, 20), grain="day")
    with pytest.raises(ValueError, match="by must be one of"):
        capacity.query_params(D(2026, 11, 20), by="portfolio")
    with pytest.raises(ValueError, match="at least one month"):
        capacity.horizon_end(D(2026, 11, 20), 0)


def test_compare_marks_cells_that_change_band() -> None:
    keys = {
        "period_start": [D(2027, 1, 1)] * 2,
        "role": ["A", "B"],
        "team": [None, None],
        "resource_name": [None, None],
    }
    base = pd.DataFrame(
        keys
        | {
            "demand_hours": [10, 10],
            "capacity_hours": [10, 10],
            "utilisation_pct": [100, 100],
            "band_index": [3, 3],
            "band": ["x", "x"],
        }
    )
    scn = base.assign(band=["x", "y"], band_index=[3, 4])
    got = capacity.compare(base, scn)
    assert got["band_changed"].tolist() == [False, True]
    assert got.loc[1, ["baseline_band", "scenario_band"]].tolist() == ["x", "y"]


def test_saved_scenarios_keep_who_when_and_as_of(store: Store) -> None:
    sc = Scenario((Change("exclude", project_id="P1"),))
    capacity.save_scenario(store, person("ana@example.org", "analyst"), "Drop P1", sc, D(2026, 11, 20))
    capacity.save_scenario(
        store,
        person("bo@example.org"),
        "Drop P1",
        sc.with_change(Change("shift", project_id="P2", weeks=4)),
        D(2026, 11, 27),
    )
    opened, doc = capacity.load_scenario(store, "Drop P1")
    assert len(opened.changes) == 2 and doc["version"] == 2 and doc["saved_by"] == "bo@example.org"
    assert doc["as_of_date"] == D(2026, 11, 27)
    first, doc1 = capacity.load_scenario(store, "Drop P1", version=1)
    assert first == sc and doc1["saved_by"] == "ana@example.org"
    assert [d["name"] for d in store.documents(capacity.SCENARIO_KIND)] == ["Drop P1"]
    assert store.documents("mapping") == []  # kinds stay apart
    with pytest.raises(KeyError, match="no saved scenario named 'Other'"):
        capacity.load_scenario(store, "Other")


@pytest.mark.parametrize(
    ("name", "role", "error", "message"),
    [
        (" ", "analyst", ValueError, "give the scenario a name"),
        ("X", "pm", access.Forbidden, "may not scenario"),
        ("X", "viewer", access.Forbidden, "only admin, analyst may"),
        ("X", None, access.Forbidden, "no role"),
    ],
)
def test_saving_without_a_name_or_the_right_writes_nothing(
    store: Store, name: str, role: str | None, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        capacity.save_scenario(
            store, access.Identity("a@b.org", role, "library"), name, Scenario(), D(2026, 11, 20)
        )
    assert store.documents(capacity.SCENARIO_KIND) == []


@pytest.mark.parametrize(
    ("view", "args", "columns"),
    [
        (
            "capacity_utilisation",
            [],
            [
                "period_start",
                "role",
                "demand_hours",
                "tentative_hours",
                "capacity_hours",
                "utilisation_pct",
                "band",
            ],
        ),
        (
            "capacity_utilisation",
            ["--grain", "week", "--by", "team"],
            [
                "period_start",
                "team",
                "demand_hours",
                "tentative_hours",
                "capacity_hours",
                "utilisation_pct",
                "band",
            ],
        ),
        (
            "capacity_utilisation",
            ["--grain", "quarter", "--by", "person"],
            [
                "period_start",
                "role",
                "team",
                "resource_name",
                "demand_hours",
                "tentative_hours",
                "capacity_hours",
                "utilisation_pct",
                "band",
            ],
        ),
        (
            "capacity_shortage",
            ["--by", "role_team"],
            ["period_start", "role", "team", "shortage_hours", "shortage_fte", "top_projects"],
        ),
        (
            "capacity_shortage",
            ["--grain", "week"],
            ["period_start", "role", "shortage_hours", "shortage_fte", "top_projects"],
        ),
    ],
)
def test_cli_views(
    demo_store: Store, view: str, args: list[str], columns: list[str], tmp_path, capsys
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out.csv"
    code = main(
        ["export", view, "--as-of", str(DEMO_END), "--store", demo_store.uri, "--out", str(out), *args]
    )
    assert code == 0
    frame = pd.read_csv(out)
    assert frame.columns.tolist() == columns
    assert len(frame) > 5
    periods = pd.to_datetime(frame["period_start"])
    grain = args[args.index("--grain") + 1] if "--grain" in args else "month"
    if grain == "week":
        assert (periods.dt.weekday == 0).all()
    else:
        assert (periods.dt.day == 1).all()
    if view == "capacity_shortage":
        short = frame[frame["shortage_hours"] > 0]
        assert short["top_projects"].str.match(r"^PRJ-\d+ \(\d+ h\)").all()


def test_cli_view_options_are_checked(demo_store: Store, capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit):
        main(["export", "capacity_utilisation", "--store", demo_store.uri, "--grain", "day"])
    assert "invalid choice: 'day'" in capsys.readouterr().err
    assert main(["export", "projects", "--store", demo_store.uri, "--by", "role"]) == 2
    assert "does not take --by" in capsys.readouterr().err


def test_optimiser_functions_agree_with_the_heatmap(demo_store: Store) -> None:
    con = demo_store.connect()
    try:
        demand = capacity.project_role_demand(con, DEMO_END)
        supply = capacity.role_supply(con, DEMO_END)
        cells = capacity.utilisation(con, DEMO_END, grain="month", by="role")
    finally:
        con.close()
    assert demand.columns.tolist()[:4] == ["project_id", "role", "period_start", "demand_hours"]
    assert supply.columns.tolist() == ["role", "period_start", "capacity_hours"]
    per_role = demand.groupby(["role", "period_start"])["demand_hours"].sum().round(1)
    heat = cells.set_index(["role", "period_start"])["demand_hours"]
    joined = pd.concat([per_role, heat], axis=1, keys=["a", "b"]).fillna(0)
    assert (joined["a"] - joined["b"]).abs().max() < 0.2
    assert supply["capacity_hours"].sum() == pytest.approx(cells["capacity_hours"].sum(), rel=1e-3)
    assert json.dumps(capacity.Scenario().params())  # the baseline is plain lists


def test_over_allocated_and_hours_short_count_missing_capacity() -> None:
    cells = pd.DataFrame(
        {
            "demand_hours": [50.0, 100.0, 130.0, 40.0, 0.0],
            "capacity_hours": [100.0, 100.0, 100.0, None, None],
            "utilisation_pct": [50.0, 100.0, 130.0, None, None],
            "has_capacity": [True, True, True, False, False],
        }
    )
    assert capacity.over_allocated(cells) == 3  # 100 %, 130 % and the one without capacity
    assert capacity.hours_short(cells) == 30 + 40


@pytest.mark.parametrize(
    ("pct", "label"),
    [
        (72.4, "72%"),
        (99.6, "99.6%"),  # whole, it would read 100 % in the 85-100 % band
        (100.0, "100%"),
        (119.89, "119.9%"),
        (120.35, "120%"),  # over 120 % either way
        (84.7, "84.7%"),
        (84.5, "84%"),  # half to even, as the whole-percent label rounds: still under 85
        (69.4, "69%"),
        (float("nan"), ""),
        (None, ""),
    ],
)
def test_a_cell_s_label_never_crosses_its_band(pct: float | None, label: str) -> None:
    """A cell at 99.6 % was labelled "100%" in amber beside a red "100%" at 100.0 %."""
    assert capacity.pct_label(pct, (70.0, 85.0, 100.0, 120.0)) == label
