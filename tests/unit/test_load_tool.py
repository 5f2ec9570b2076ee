"""The load tool's pure parts (bench/load.py): percentiles, the loopback-only guard, the
bounds, think times, the sweep's steps and answer, error kinds; and the chart lines the
profile replaced (epmo/charts.py hline/vline draw what plotly's add_hline/add_vline do)."""

from __future__ import annotations

import argparse
import random
import statistics
from pathlib import Path

import plotly.graph_objects as go
import pytest

from bench import load
from epmo import charts


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([], 50, None),
        ([3.0], 95, 3.0),
        ([1.0, 2.0], 50, 1.5),
        ([1.0, 2.0, 3.0, 4.0, 5.0], 50, 3.0),
        ([5.0, 1.0, 4.0, 2.0, 3.0], 0, 1.0),  # order of the input does not matter
        ([5.0, 1.0, 4.0, 2.0, 3.0], 100, 5.0),
        ([float(i) for i in range(1, 101)], 95, 95.05),
        ([0.1] * 19 + [10.0], 95, 0.595),  # one slow page in twenty moves the p95
    ],
)
def test_percentiles(values: list[float], q: float, expected: float | None) -> None:
    got = load.pct(values, q)
    if expected is None:
        assert got != got  # nan: no pages, no figure
    else:
        assert got == pytest.approx(expected)


def test_percentiles_agree_with_the_standard_library() -> None:
    rnd = random.Random(5)
    values = [rnd.expovariate(1.0) for _ in range(257)]
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    for q in (50, 90, 95, 99):
        assert load.pct(values, q) == pytest.approx(cuts[q - 1])


@pytest.mark.parametrize(
    "url",
    [
        "ws://127.0.0.1:8501/_stcore/stream",
        "http://127.0.0.1:5000",
        "http://127.5.6.7:80/x",
        "ws://[::1]:8501/_stcore/stream",
        "http://localhost:9000",
    ],
)
def test_loopback_addresses_pass(url: str) -> None:
    assert load.check_loopback(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "ws://10.0.0.5:8501/_stcore/stream",
        "http://192.168.1.1",
        "http://0.0.0.0:8501",  # every interface, not loopback
        "https://example.org",  # a name other than localhost is never resolved
        "http://127.0.0.1.nip.io",
        "ws://[::ffff:8.8.8.8]:80",
        "not a url",
        "",
    ],
)
def test_anything_else_is_refused(url: str) -> None:
    with pytest.raises(load.NotLoopback):
        load.check_loopback(url)


def args(**over: object) -> argparse.Namespace:
    base = {
        "sessions": 30,
        "seconds": 90.0,
        "ramp": 30.0,
        "page_timeout": 60.0,
        "think": None,
        "upload_every": 5.0,
        "sweep": False,
        "sweep_start": 4,
        "sweep_steps": 6,
    }
    return argparse.Namespace(**(base | over))


@pytest.mark.parametrize(
    ("over", "problem"),
    [
        ({}, ""),
        ({"sessions": 300}, ""),
        ({"sessions": 301}, "--sessions"),
        ({"sessions": 0}, "--sessions"),
        ({"seconds": 601}, "--seconds"),
        ({"seconds": 4}, "--seconds"),
        ({"ramp": -1}, "--ramp"),
        ({"ramp": 301}, "--ramp"),
        ({"page_timeout": 121}, "--page-timeout"),
        ({"think": 301.0}, "--think"),
        ({"upload_every": 0.5}, "--upload-every"),
        ({"upload_every": 0}, ""),
        ({"sweep": True, "sweep_start": 31}, "--sweep-start"),
        ({"sweep": True, "sweep_steps": 9}, "--sweep-steps"),
        ({"sweep": True}, ""),
    ],
)
def test_bounds(over: dict[str, object], problem: str) -> None:
    got = load.check_bounds(args(**over))
    assert got.startswith(problem) if problem else got == ""


def test_the_time_bound_covers_every_step() -> None:
    one = load.time_bound(args())
    assert one >= 30 + 90 + 60
    sweep = load.time_bound(args(sweep=True, sweep_steps=6))
    assert sweep >= 6 * (30 + 90 + 60)
    # the largest run the bounds allow still ends within a few hours
    widest = args(sweep=True, sweep_steps=8, seconds=600.0, ramp=300.0, page_timeout=120.0)
    assert load.check_bounds(widest) == ""
    assert load.time_bound(widest) < 4 * 3600


def test_think_times() -> None:
    rnd = random.Random(1)
    stress = [load.think_time(rnd, "stress", 2.0) for _ in range(2000)]
    assert min(stress) >= 1.0 and max(stress) <= 3.0
    assert statistics.mean(stress) == pytest.approx(2.0, rel=0.05)
    real = [load.think_time(rnd, "realistic", 30.0) for _ in range(4000)]
    assert min(real) >= 5.0 and max(real) <= 120.0  # a person reads a page for tens of seconds
    assert 25.0 <= statistics.mean(real) <= 35.0
    assert load.think_time(rnd, "realistic", 0.0) == 0.0


def test_realistic_choices_follow_the_weights_and_open_on_home() -> None:
    visits = load.pages("P-1")
    rnd = random.Random(3)
    assert load.choose(rnd, "realistic", visits, 7, 0)[0] == "home"
    picks = [load.choose(rnd, "realistic", visits, 7, i)[0] for i in range(1, 6001)]
    total = sum(load.REALISTIC_WEIGHTS.values())
    for label, weight in load.REALISTIC_WEIGHTS.items():
        assert picks.count(label) / len(picks) == pytest.approx(weight / total, abs=0.02)
    # stress walks the list in turn from the session's own offset
    assert [load.choose(rnd, "stress", visits, 2, i)[0] for i in range(3)] == [v[0] for v in visits[2:5]]


@pytest.mark.parametrize(
    ("results", "expected"),
    [
        ({}, 4),
        ({4: True}, 8),
        ({4: True, 8: True}, 16),
        ({4: True, 8: True, 16: False}, 12),
        ({4: True, 8: True, 16: False, 12: True}, 14),
        ({4: True, 8: True, 16: False, 12: True, 14: False}, 13),
        ({4: True, 8: True, 16: False, 12: True, 14: False, 13: True}, None),  # within 15 %
        ({4: False}, 2),
        ({4: False, 2: False}, 1),
        ({4: False, 2: False, 1: False}, None),
        ({4: True, 8: True, 16: True, 30: True}, None),  # the most sessions allowed held
        ({4: True, 8: True, 16: True}, 30),
    ],
)
def test_sweep_steps(results: dict[int, bool], expected: int | None) -> None:
    assert load.next_sweep_step(results, 4, 30) == expected


@pytest.mark.parametrize(
    ("results", "answer"),
    [
        ({}, 0),
        ({4: False}, 0),
        ({4: True, 8: True, 16: False, 12: True, 14: False, 13: True}, 13),
        ({4: True, 8: False, 6: True}, 6),
        ({2: True, 4: False, 3: False}, 2),
    ],
)
def test_sweep_answer(results: dict[int, bool], answer: int) -> None:
    assert load.sweep_answer(results) == answer


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        ("timeout", "timeout"),
        ("exception: KeyError: 'x'", "exception"),
        ("disconnected: received 1011", "disconnected"),
        ("connect: ConnectionRefusedError: ...", "connect"),
        ("other: page not found: x", "other"),
    ],
)
def test_error_kinds(error: str, kind: str) -> None:
    assert load.error_kind(error) == kind


def test_a_step_holds_only_under_two_seconds_with_no_error() -> None:
    def fig(p95: float, errors: dict[str, int], uploads: list[str] | None = None) -> dict[str, object]:
        return {"all_pages": {"p95_s": p95}, "errors": errors, "upload_errors": uploads or []}

    assert load.held(fig(1.9, {}))
    assert not load.held(fig(2.1, {}))
    assert not load.held(fig(0.5, {"timeout": 1}))
    assert not load.held(fig(0.5, {}, ["load_3.xlsx: duplicate"]))
    assert not load.held(fig(float("nan"), {}))


@pytest.mark.parametrize("text", [None, "Budget (BAC)"])
def test_chart_lines_draw_what_plotly_draws(text: str | None) -> None:
    ours, theirs = go.Figure(), go.Figure()
    for fig in (ours, theirs):
        fig.add_scatter(x=[1, 2, 3], y=[3, 4, 5])
    charts.hline(ours, 4.0, {"color": "#123456", "dash": "dot"}, text)
    charts.vline(ours, 2.0, {"color": "#9E9E9E"})
    extra = {"annotation_text": text, "annotation_position": "top left"} if text else {}
    theirs.add_hline(y=4.0, line={"color": "#123456", "dash": "dot"}, **extra)  # type: ignore[arg-type]
    theirs.add_vline(x=2.0, line={"color": "#9E9E9E"})
    assert ours.to_plotly_json()["layout"] == theirs.to_plotly_json()["layout"]


def test_the_cheap_template_draws_what_plotly_white_draws() -> None:
    from epmo import theme

    assert theme.cheap_template() == "epmo_white"  # the registry held: the fast path is in use
    ours, theirs = go.Figure(), go.Figure()
    for fig, template in ((ours, theme.cheap_template()), (theirs, "plotly_white")):
        fig.add_bar(x=["a", "b"], y=[1, 2])
        fig.update_layout(**(theme.base_layout() | {"template": template}))
    assert ours.to_plotly_json() == theirs.to_plotly_json()
    # each figure has its own copy: changing one leaves the next one as it was
    ours.layout.template.layout.font.size = 99
    again = go.Figure(layout=theme.base_layout())
    assert again.layout.template.layout.font.size is None


def test_the_table_shows_each_run_and_the_sweep_answer(tmp_path: Path) -> None:
    import json

    page = {"pages": 10, "errors": 0, "p50_s": 0.5, "p95_s": 1.5, "max_s": 2.0}
    run = {
        "sessions": 30,
        "replicas": 2,
        "store": "s3",
        "mix": "realistic",
        "all_pages": page,
        "first_load": page,
        "later": page,
        "errors": {"timeout": 2},
        "upload_errors": [],
        "uploads": 9,
        "mb_per_session": 1.5,
        "cpu_s_per_run": 0.1,
        "load_average_before": [0.5, 0.4, 0.3],
        "load_average_after": [1.5, 1.0, 0.5],
    }
    step = {
        "pages": 50,
        "p50_s": 0.5,
        "p95_s": 1.9,
        "errors": {},
        "cpu_s_per_run": 0.1,
        "replica_cpu_busy": 0.5,
    }
    sweep = {
        "mix": "stress",
        "think_s": 2.0,
        "store": "s3",
        "ramp_s": 10,
        "seconds": 30,
        "sweep": {
            "pinned_to_one_cpu": True,
            "criterion": "p95 <= 2 s",
            "sessions_per_core": 8,
            "steps": [
                step | {"sessions": 8, "held": True},
                step | {"sessions": 16, "held": False, "p95_s": 3.0},
            ],
        },
    }
    (tmp_path / "run.json").write_text(json.dumps(run))
    (tmp_path / "sweep.json").write_text(json.dumps(sweep))
    text = load.table([str(tmp_path / "run.json"), str(tmp_path / "sweep.json"), str(tmp_path / "none.json")])
    assert "| 30 sessions, 2 replicas, s3, realistic | 10 | 0.50 s / 1.50 s |" in text
    assert "| 2 timeout |" in text
    assert "| 16 | 50 | 0.50 s | 3.00 s | 0 |" in text and "| no |" in text
    assert "**8 sessions**" in text and "3.20 pages a second" in text  # 8 / (2 s think + 0.5 s)
