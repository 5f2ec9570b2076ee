"""Health on the command line, the measure registry and its docs, the chart builders."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from epmo import charts, health, measures, sql
from epmo.cli import main
from epmo.store import Store
from tests.conftest import DEMO_END

ROOT = Path(__file__).resolve().parents[2]
ALL = {"portfolios": [], "programmes": []}

# The columns the issue asks each command-line view to start with.
CLI_COLUMNS = {
    "project_health": "project_id, project_name, portfolio, programme, stage, as_of_date, weeks_stale, bac, pv, "
    "ev, ac, cv, sv, cpi, spi, eac_cpi, eac_atypical, eac_cpi_spi, eac_pm, etc, vac, tcpi_bac, tcpi_eac, "
    "forecast_slip_days, rag_declared, rag_computed, rag_reasons",
    "portfolio_summary": "portfolio, project_count, bac, pv, ev, ac, cpi, spi, eac, red_count, amber_count, "
    "green_count",
    "milestone_slippage": "project_id, milestone_id, milestone_name, is_key, baseline_date, forecast_date, "
    "actual_date, slip_days, slip_change_days",
    "changes": "project_id, change_type, field, before_value, after_value",
    "submission_status": "project_manager, project_id, last_as_of_date, weeks_stale, submitted_for_week, "
    "missing_required_fields",
}


@pytest.mark.parametrize("view", sorted(CLI_COLUMNS))
def test_command_line_views(view: str, demo_store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", view, "--as-of", str(DEMO_END), "--store", demo_store.uri]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows, view
    wanted = [c.strip() for c in CLI_COLUMNS[view].split(",")]
    got = list(rows[0])
    assert [c for c in got if c in wanted] == wanted, got  # all present, in this order
    if view == "changes":
        assert got.index("project_id") == 0


def test_changes_since_an_earlier_week_and_bad_since(
    demo_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    since = str(DEMO_END.replace(day=6))
    assert (
        main(["export", "changes", "--as-of", str(DEMO_END), "--since", since, "--store", demo_store.uri])
        == 0
    )
    two_weeks = len(capsys.readouterr().out.splitlines())
    assert main(["export", "changes", "--as-of", str(DEMO_END), "--store", demo_store.uri]) == 0
    one_week = len(capsys.readouterr().out.splitlines())
    assert two_weeks != one_week
    assert (
        main(
            [
                "export",
                "changes",
                "--as-of",
                str(DEMO_END),
                "--since",
                "2027-01-01",
                "--store",
                demo_store.uri,
            ]
        )
        == 2
    )
    assert "must be before the as-of week" in capsys.readouterr().err
    assert main(["export", "projects", "--since", since, "--store", demo_store.uri]) == 2
    assert "does not take --since" in capsys.readouterr().err


def test_every_health_column_is_documented(demo_store: Store) -> None:
    """A column of a health view that is neither a measure nor a contract column fails here."""
    from epmo import contract

    known = set(measures.MEASURES) | set(measures.LABELS)
    known |= {c.name for t in contract.TABLES for c in t.columns}
    known |= {
        "is_active",
        "red_count",
        "amber_count",
        "green_count",
        "not_judged_count",
        "watermelon_count",
        "project_count",
        "eac",
        "week_date",
    }
    frame = health.project_health_view(demo_store, DEMO_END)
    summary = health.portfolio_summary_view(demo_store, DEMO_END)
    status = health.submission_status_view(demo_store, DEMO_END)
    missing = sorted({*frame.columns, *summary.columns, *status.columns} - known)
    assert not missing, f"undocumented columns (add them to epmo/measures.py): {missing}"


def test_metrics_doc_is_current() -> None:
    """docs/metrics.md is generated from epmo/measures.py; regenerate with `python -m epmo docs`."""
    assert (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8") == measures.markdown() + "\n"


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("bac", 1234567.0, "1.23M"),
        ("bac", 45600.0, "46K"),
        ("cv", -950.0, "-950"),
        ("cpi", 0.97222, "0.97"),
        ("forecast_slip_days", 35, "35"),
        ("cpi", None, "–"),
        ("spi", float("nan"), "–"),
        ("rag_computed", "Red", "Red"),
    ],
)
def test_display_formats_round_only_for_display(name: str, value: object, shown: str) -> None:
    assert measures.fmt(name, value) == shown


def test_by_manager_counts_active_projects_only() -> None:
    status = pd.DataFrame(
        {
            "project_manager": ["a@x", "a@x", "b@x", "b@x"],
            "project_id": ["1", "2", "3", "4"],
            "submission_status": ["on time", "missing", "late", "not expected"],
            "weeks_stale": [0, 2, 0, 9],
            "missing_field_count": [1, 0, 2, 0],
            "is_unchanged_too_long": [False, True, False, None],
            "is_active": [True, True, True, False],
        }
    )
    out = health.by_manager(status).set_index("project_manager")
    assert out.loc[
        "a@x", ["project_count", "on_time_count", "missing_count", "max_weeks_stale"]
    ].tolist() == [
        2,
        1,
        1,
        2,
    ]
    assert out.loc["b@x", ["project_count", "late_count", "blank_field_count"]].tolist() == [1, 1, 2]
    assert out.index[0] == "a@x"  # the manager with missing reports first
    assert health.by_manager(status[~status["is_active"]]).empty


def _demo(store: Store, name: str, **params: object) -> pd.DataFrame:
    con = store.connect()
    try:
        return sql.df(con, name, **params)
    finally:
        con.close()


def test_chart_builders_draw_the_demo_and_say_when_empty(demo_store: Store) -> None:
    prev = health.previous_week(DEMO_END)
    projects = _demo(demo_store, "health/project_health", as_of=DEMO_END, **ALL)
    ids = projects["project_id"].tolist()
    figures = {
        "rag_matrix": charts.rag_matrix(
            _demo(demo_store, "health/rag_matrix", as_of=DEMO_END, level="portfolio", **ALL)
        ),
        "quadrant": charts.evm_quadrant(projects),
        "burn": charts.budget_burn(
            _demo(demo_store, "health/budget_burn", as_of=DEMO_END, project_id="", **ALL), DEMO_END
        ),
        "trend": charts.milestone_trend(
            _demo(demo_store, "health/milestone_trend", as_of=DEMO_END, project_ids=ids[:3])
        ),
        "grid": charts.raid_heat_grid(_demo(demo_store, "health/raid_heat_grid", as_of=DEMO_END, **ALL)),
        "network": charts.dependency_network(_demo(demo_store, "health/dependencies", as_of=DEMO_END, **ALL)),
        "dependency_matrix": charts.dependency_matrix(
            _demo(demo_store, "health/dependencies", as_of=DEMO_END, **ALL)
        ),
        "changes": charts.change_counts(
            _demo(demo_store, "health/changes", as_of=DEMO_END, since=prev, **ALL)
        ),
        "status": charts.submission_mix(_demo(demo_store, "health/submission_status", as_of=DEMO_END, **ALL)),
    }
    history = _demo(demo_store, "project/health_history", project_id=ids[0], as_of=DEMO_END)
    figures["index"] = charts.index_history(history)
    figures["rag"] = charts.rag_history(history)
    for name, fig in figures.items():
        assert isinstance(fig, go.Figure)
        drawn = [t for t in fig.data if t.x is not None or getattr(t, "z", None) is not None]
        assert drawn, f"{name} drew nothing"
    quadrant_points = sum(len(t.x) for t in figures["quadrant"].data)
    assert quadrant_points == len(projects.dropna(subset=["cpi", "spi"]))
    empty = charts.evm_quadrant(projects.iloc[0:0])
    assert not empty.data and "No project" in empty.layout.annotations[0].text


@pytest.mark.parametrize("weeks", [1, 2, 30])
def test_a_date_axis_reads_well_with_one_point_or_many(weeks: int) -> None:
    """A new project's first week: a fortnight around its one point with weekly ticks, not
    plotly's hours of one day; a long history keeps plotly's own ticks."""
    import datetime as dt

    import pandas as pd

    dates = [dt.date(2026, 11, 20) - dt.timedelta(weeks=k) for k in range(weeks)]
    history = pd.DataFrame({"week_date": pd.to_datetime(dates), "cpi": 1.0, "spi": 0.9})
    history["rag_declared"], history["rag_computed"], history["rag_reasons"] = "Green", None, "not judged"
    for fig in (charts.index_history(history), charts.rag_history(history)):
        axis = fig.layout.xaxis
        assert axis.tickformat == "%d %b %Y"
        if weeks < 3:
            lo, hi = (pd.Timestamp(v) for v in axis.range)
            assert pd.Timedelta(days=14) <= hi - lo <= pd.Timedelta(days=40)
            assert lo < pd.Timestamp(min(dates)) and hi > pd.Timestamp(max(dates))
            assert axis.dtick == charts.WEEK_MS
            assert not axis.tickformatstops  # a tick a week, each its day
        else:
            assert axis.range is None
            # plotly's ticks a month or more apart fall on the 1st: "Jan 2026", not "01 Jan
            # 2026", which turned aslant in a half-width chart at 1024 px
            ((stop),) = axis.tickformatstops
            assert (list(stop.dtickrange), stop.value) == (["M1", None], "%b %Y")


def test_dependencies_read_at_five_hundred_projects() -> None:
    """A matrix by portfolio at any size; the network only of late and at-risk chains, and
    only while it can be read."""
    import pandas as pd

    rows = [
        {
            "project_id": f"P-{i}",
            "portfolio": f"PF{i % 4}",
            "related_project_id": f"P-{(i * 7) % 500}",
            "related_portfolio": f"PF{(i * 7) % 500 % 4}",
            "dependency_status": ["on track", "late", "at risk", "on track"][i % 4],
            "title": "t",
            "need_by_date": "2027-01-01",
        }
        for i in range(500)
    ]
    frame = pd.DataFrame(rows)
    matrix = charts.dependency_matrix(frame)
    heat = matrix.data[0]
    assert len(heat.x) == 4 and len(heat.y) == 4  # four portfolios, not 500 nodes
    assert sum(v for row in heat.z for v in row if v) == int(
        frame["dependency_status"].isin(["late", "at risk"]).sum()
    )
    big = charts.dependency_network(frame)
    assert not big.data and "too many to draw" in big.layout.annotations[0].text
    small = charts.dependency_network(frame.head(12))
    drawn = {p for t in small.data if t.mode == "markers+text" for p in t.text}
    assert drawn == set(
        frame.head(12).query("dependency_status != 'on track'")[["project_id", "related_project_id"]].stack()
    )


@pytest.mark.parametrize("top", [8, 343, 12_500])
def test_the_change_counts_are_never_cut_beside_their_bars(top: int) -> None:
    """On a 1024 px screen the chart is 200 px wide and "343" was drawn as "34": a count
    past the plot's end is drawn in a right margin wide enough for the longest one."""
    import pandas as pd

    frame = pd.DataFrame({"change_type": ["eac"] * top + ["new_project"] * 3})
    fig = charts.change_counts(frame)
    (bar,) = fig.data
    assert bar.cliponaxis is False and list(bar.text) == [3, top]
    assert fig.layout.margin.r >= 8 * len(f"{top:,}") + 10


def test_a_dependency_cell_reads_on_short_lines_and_names_stay_text() -> None:
    """Every cell showed a literal "5<br>4 late, 1 at risk" (the line break escaped as
    data) at 7 px (plotly fits a cell's text by its longest line): now one short line per
    count, drawn as lines, while a hostile portfolio name stays escaped."""
    from epmo import safe_text
    from tests import hostile

    statuses = ["late"] * 4 + ["at risk"] + ["on track"]
    frame = pd.DataFrame(
        {
            "portfolio": [hostile.ANCHOR] * 6 + ["B"],
            "related_portfolio": ["B"] * 6 + [None],
            "dependency_status": [*statuses, "on track"],
        }
    )
    safe = safe_text.figure(charts.dependency_matrix(frame))
    (heat,) = safe.data
    cells = {(y, x): heat.text[i][j] for i, y in enumerate(heat.y) for j, x in enumerate(heat.x)}
    name = safe_text.plotly(hostile.ANCHOR)
    assert cells[(name, "B")] == "6 open<br>4 late<br>1 at risk"
    assert cells[("B", "(outside the<br>portfolio)")] == "1 open"  # the column's name on two lines
    assert max(len(line) for text in cells.values() for line in text.split("<br>")) <= 10
    assert heat.textfont.size is None or heat.textfont.size >= 12
    assert "&lt;br" not in " ".join(safe_text.figure_strings(safe))


def _plotly_fitted_size(cells: list[str], cell_px: float, row_px: float, layout_size: float) -> float:
    """The text size plotly.js gives a heatmap's labels when none is set (src/traces/heatmap/
    plot.js): the longest line and the most lines fitted to one cell, at most the layout's."""
    lines = [c.split("<br>") for c in cells if c]
    longest = max(len(line) for ls in lines for line in ls)
    most = max(len(ls) for ls in lines)
    return min(cell_px / longest / (1.3 / 2), row_px / most / 1.3, layout_size)


@pytest.mark.parametrize(
    ("where", "cell_px", "presented"),
    [("1024 px screen", 50, False), ("1440 px screen", 95, False), ("slide at 1280x720", 120, True)],
)
def test_rag_matrix_counts_fit_their_cells(where: str, cell_px: float, presented: bool) -> None:
    """ "R 31 · A 11 · G 17" at a fixed 14 px ran into the next cell on a 1024 px screen and
    touched the cell edges on a slide: one count a line, sized by plotly to fit the cell."""
    from epmo import safe_text
    from epmo.theme import presentation

    frame = pd.DataFrame(
        [
            {"group_name": g, "dimension": d, "dimension_order": k, "rag": r, "project_count": n}
            for g in ("Corporate Systems", "Data & Analytics")
            for k, d in enumerate(["Computed", "Overall", "Schedule", "Cost", "Scope", "Resources"])
            for r, n in (("Red", 131), ("Amber", 11), ("Green", 17))
        ]
    )
    fig = charts.rag_matrix(frame)
    if presented:
        fig = presentation(fig)
    (heat,) = safe_text.figure(fig).data
    cells = [c for row in heat.text for c in row]
    assert cells[0] == "R 131<br>A 11<br>G 17", where
    assert heat.textfont.size is None, where  # fitted by plotly, not fixed
    rows = len(heat.y)
    row_px = (fig.layout.height - fig.layout.margin.t - fig.layout.margin.b) / rows
    assert _plotly_fitted_size(cells, cell_px - 3, row_px - 3, fig.layout.font.size) >= 12, where


def test_projects_by_stage_names_every_stage_in_full() -> None:
    """Upright bars rotated, overlapped and cut the stage names ("Approve…", "Clos" and
    "Clos" for Closing and Closed) and turned small counts to 6 px: the bars lie down, one
    full stage name a row in stage order from the top, counts upright or left to the hover."""
    stages = ["Idea", "Approved", "Initiation", "Planning", "Execution", "Closing", "Closed"]
    frame = pd.DataFrame(
        [
            {"stage": s, "stage_order": k, "rag_overall": r, "project_count": 1 + k * 7}
            for k, s in enumerate(stages)
            for r in ("Red", "Green", None)
        ]
    )
    fig = charts.projects_by_stage(frame.sample(frac=1, random_state=3))
    bars = [t for t in fig.data if t.type == "bar"]
    for bar in bars:
        assert bar.orientation == "h" and list(bar.y) == stages, bar.name
        assert bar.textangle == 0
    assert fig.layout.yaxis.autorange == "reversed"  # the first stage on top
    assert fig.layout.uniformtext.minsize >= 10 and fig.layout.uniformtext.mode == "hide"
    assert [t.name for t in bars] == ["Red", "Amber", "Green", "No RAG"]
    # each bar's total past its end, which a segment too small for its count does not hide
    (totals,) = [t for t in fig.data if t.type == "scatter"]
    assert list(totals.y) == stages and [t.strip() for t in totals.text] == [
        str(3 * (1 + k * 7)) for k in range(7)
    ]
    assert fig.layout.xaxis.range[1] > max(totals.x) and not totals.showlegend


def test_quadrant_marks_projects_beyond_its_axes() -> None:
    """SPI 0.45 was drawn at the axis's 0.6, half its marker cut off, and nothing said so:
    now an open marker (its RAG shape kept) drawn whole, the true value and a note in the
    hover, and the count in the title."""
    from epmo import safe_text

    frame = pd.DataFrame(
        {
            "project_id": [f"P{i}" for i in range(8)],
            "project_name": "n",
            "spi": [0.45, 0.9, 0.95, 1.0, 1.05, 1.0, 0.92, 1.01],
            "cpi": [0.95, 0.9, 1.0, 1.02, 1.0, 2.4, 0.97, 0.99],
            "bac": 1000.0,
            "rag_computed": ["Red", "Amber", "Green", "Green", "Green", "Green", "Amber", "Green"],
        }
    )
    fig = safe_text.figure(charts.evm_quadrant(frame))
    shown_lo, shown_hi = fig.layout.xaxis.range
    pad = charts.EDGE_PAD / (1 + 2 * charts.EDGE_PAD) * (shown_hi - shown_lo)
    lo, hi = shown_lo + pad, shown_hi - pad  # the edge outliers are drawn on
    assert 0.45 < lo and hi < 2.4  # both outliers are beyond the band shown
    assert shown_lo < lo and shown_hi > hi  # with a margin past it: the markers clear the tick labels
    points = {
        row[0]: (x, y, sym, row)
        for t in fig.data
        for x, y, sym, row in zip(t.x, t.y, t.marker.symbol, t.customdata, strict=True)
    }
    assert all(t.cliponaxis is False for t in fig.data)
    x, _, sym, row = points["P0"]
    assert x == pytest.approx(lo) and sym == "diamond-open" and row[3] == 0.45 and "beyond the axis" in row[5]
    _, y, sym, _ = points["P5"]
    assert y == pytest.approx(hi) and sym == "circle-open"
    assert points["P2"][2] == "circle" and points["P2"][3][5] == ""
    assert "2 beyond the axes, shown at the edge" in fig.layout.title.text
    assert points["P0"][3][5] == "<br>beyond the axis: drawn at its edge"  # a line of the hover


def test_the_milestone_trend_gives_each_project_a_colour_and_each_milestone_a_style() -> None:
    """Eighteen milestones on plotly's ten colours drew unrelated lines alike: a project's
    milestones share a colour and differ by line style and marker."""
    weeks = pd.to_datetime([DEMO_END - dt.timedelta(weeks=k) for k in (1, 0)])
    rows = [
        {
            "report_date": w,
            "project_id": f"P{p:02d}",
            "milestone_id": f"M{m}",
            "milestone_name": f"Milestone {m}",
            "baseline_date": w,
            "forecast_date": w + pd.Timedelta(days=30 * m),
        }
        for p in range(12)
        for m in range(3)
        for w in weeks
    ]
    fig = charts.milestone_trend(pd.DataFrame(rows))
    lines = [t for t in fig.data if t.name != "Due now"]
    assert len(lines) == 36
    by_project: dict[str, set[str]] = {}
    for t in lines:
        by_project.setdefault(t.legendgroup, set()).add(t.line.color)
        assert t.marker.color == t.line.color
    assert all(len(colours) == 1 for colours in by_project.values())  # one colour a project
    first_ten = [next(iter(by_project[f"P{p:02d}"])) for p in range(10)]
    assert len(set(first_ten)) == 10  # ten projects, ten colours
    styles = {(t.line.dash, t.marker.symbol) for t in lines if t.legendgroup == "P00"}
    assert len(styles) == 3  # its three milestones told apart


def test_the_due_now_line_spans_the_weeks_reported_not_the_forecasts() -> None:
    weeks = pd.to_datetime([DEMO_END - dt.timedelta(weeks=k) for k in (4, 0)])
    frame = pd.DataFrame(
        {
            "report_date": weeks,
            "project_id": "P1",
            "milestone_id": "M1",
            "milestone_name": "Go-live",
            "baseline_date": weeks,
            "forecast_date": weeks + pd.Timedelta(days=400),
        }
    )
    due_now = next(t for t in charts.milestone_trend(frame).data if t.name == "Due now")
    assert list(pd.to_datetime(list(due_now.x))) == list(weeks)  # the x axis stays on the reports


@pytest.mark.parametrize(
    ("names", "heads"),
    [
        (["B"], ["B"]),
        (["Corporate Systems"], ["Corporate<br>Systems"]),
        (["Infrastructure & Security"], ["Infrastructure<br>&amp; Security"]),
        (
            ["Supercalifragilistic Portfolio"],
            ["Supercalifragilistic<br>Portfolio"],
        ),  # a long word stays whole
        # apart only in the spaces where they wrap: as they are, never merged into one column
        (
            ["Infrastructure  Security", "Infrastructure Security"],
            ["Infrastructure  Security", "Infrastructure Security"],
        ),
    ],
)
def test_the_dependency_matrix_names_its_columns_level_on_short_lines(
    names: list[str], heads: list[str]
) -> None:
    """At 1024 px six portfolios' names, each on one line, were turned aslant over the
    columns: each name now wraps at its spaces and reads level."""
    from epmo import safe_text

    frame = pd.DataFrame(
        {
            "portfolio": ["Needs"] * len(names),
            "related_portfolio": names,
            "dependency_status": ["late"] * len(names),
        }
    )
    fig = safe_text.figure(charts.dependency_matrix(frame))
    (heat,) = fig.data
    assert list(heat.x) == sorted(heads, key=lambda h: names[heads.index(h)])
    assert fig.layout.xaxis.tickangle == 0


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (0.0, "0"),
        (950.0, "950"),
        (999.4, "999"),
        (1_000.0, "1K"),
        (1_300.0, "1.3K"),
        (-3_800.0, "-3.8K"),
        (9_999.0, "10K"),
        (10_000.0, "10K"),
        (304_400.0, "304K"),
        (999_499.0, "999K"),
        (999_999.0, "1.00M"),
        (36_031_000.0, "36.03M"),
        (-50_000.0, "-50K"),
        (999_999_999.0, "1.00B"),
        (2_500_000_000.0, "2.50B"),
    ],
)
def test_money_reads_one_way_everywhere(amount: float, text: str) -> None:
    """The grids wrote 1.3K where the deck wrote '1 k' for the same change; 999,999 would
    have read '1,000K'."""
    from epmo import labels, measures

    assert measures.money_text(amount) == text == measures.fmt("bac", amount) == labels.money(amount)


@pytest.mark.parametrize(
    ("red", "amber", "green", "z"),
    [(32, 11, 16, 32 / 59), (0, 10, 0, 0.0), (5, 0, 5, 0.5), (7, 0, 0, 1.0), (0, 0, 9, 0.0)],
)
def test_the_rag_matrix_colours_a_cell_by_its_share_of_red(
    red: int, amber: int, green: int, z: float
) -> None:
    """(R + A/2) / n painted 54 % Red 'nearly all Amber', and half Red, half Green the same
    colour as all Amber; the colour bar said 'all G / all A / all R'."""
    frame = pd.DataFrame(
        [
            {"group_name": "G", "dimension": "Cost", "dimension_order": 0, "rag": r, "project_count": n}
            for r, n in (("Red", red), ("Amber", amber), ("Green", green))
        ]
    )
    (heat,) = charts.rag_matrix(frame).data
    assert heat.z[0][0] == pytest.approx(z)
    assert list(heat.colorbar.ticktext) == ["0 %", "50 %", "100 %"]


@pytest.mark.parametrize(
    "name", ["bac", "cpi", "cycle_time_p85", "throughput_per_week", "wip", "forecast_slip_days", "avg_wip"]
)
@pytest.mark.parametrize("blank", [None, float("nan"), pd.NA, pd.NaT])
def test_a_blank_measure_reads_as_a_dash_whatever_its_kind(name: str, blank: object) -> None:
    """A Jira export without a status history leaves the portfolio's cycle time blank (pandas'
    NA): int(NA) failed, and with it the Agile flow slide, the deck page and the whole pack."""
    from epmo import measures

    assert name in measures.MEASURES
    assert measures.fmt(name, blank) == "–"
