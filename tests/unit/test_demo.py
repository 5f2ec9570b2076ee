"""The demo portfolio: deterministic per seed, and realistic in the ways the pages rely on."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow.compute as pc
import pytest

from epmo import demo
from epmo.cli import main
from epmo.store import Store
from tests.conftest import DEMO_END, tree_digest


def test_same_seed_same_portfolio_other_seed_differs() -> None:
    a, la = demo.build("small", seed=11, end=DEMO_END)
    b, lb = demo.build("small", seed=11, end=DEMO_END)
    c, _ = demo.build("small", seed=12, end=DEMO_END)
    assert a["projects"].equals(b["projects"]) and la == lb
    assert not a["projects"].equals(c["projects"])


def test_demo_looks_like_a_real_portfolio() -> None:
    frames, ledger = demo.build("small", seed=5, end=DEMO_END)
    projects = frames["projects"]
    assert 3 <= len(pc.unique(projects["portfolio"])) <= 6
    assert len(pc.unique(pc.drop_null(projects["programme"]))) >= 5
    stages = set(pc.unique(projects["stage"]).to_pylist())
    assert {"Idea", "Planning", "Execution", "Closed"} <= stages
    assert set(pc.unique(projects["rag_overall"]).to_pylist()) == {"Red", "Amber", "Green"}
    weeks = sorted({r["as_of_date"] for r in ledger})
    assert len(weeks) == 26 and weeks[-1] == DEMO_END  # type: ignore[comparison-overlap]
    # a project manager missed the latest week
    pms_latest = {r["user_email"] for r in ledger if r["as_of_date"] == DEMO_END}
    pms_all = {r["user_email"] for r in ledger if "projects" in str(r["tables"])}
    assert pms_all - pms_latest
    # demand exceeds capacity for some role in some month
    alloc = frames["allocations"].to_pandas()
    alloc["month"] = alloc["period_start"].map(lambda d: dt.date(d.year, d.month, 1))
    latest = {r["upload_id"] for r in ledger if r["as_of_date"] == max(weeks)}
    demand = alloc[alloc["upload_id"].isin(latest)].groupby(["role", "month"])["hours"].sum()
    cap = frames["capacity"].to_pandas()
    cap = cap[cap["upload_id"].isin(latest)].groupby(["role", "period_start"])["available_hours"].sum()
    cap.index = cap.index.set_names(["role", "month"])
    ratio = (demand / cap).dropna()
    assert (ratio > 1).any() and (ratio < 1).any()


def test_demo_has_reporting_habits_for_the_data_quality_pages() -> None:
    frames, ledger = demo.build("small", seed=5, end=DEMO_END)
    projects = frames["projects"].to_pandas()
    week = {r["upload_id"]: r["as_of_date"] for r in ledger}
    projects["week"] = projects["upload_id"].map(week)
    latest = projects[projects["week"] == DEMO_END]
    assert latest["status_summary"].isna().any() and latest["earned_value"].isna().any()
    # some project's row is identical for 6+ consecutive weeks
    projects["content"] = pd.util.hash_pandas_object(
        projects.drop(columns=["upload_id", "source_row", "week"]), index=False
    )
    runs = (
        projects.sort_values("week")
        .groupby("project_id")["content"]
        .apply(lambda s: (s == s.iloc[-1])[::-1].cummin().sum())
    )
    assert runs.max() >= 6
    lateness = [
        (r["event_at"] - dt.datetime.combine(r["as_of_date"], dt.time(0), dt.UTC)).days for r in ledger
    ]
    assert (
        min(lateness) >= 0
        and any(d >= 4 for d in lateness)
        and sum(d <= 3 for d in lateness) > len(ledger) / 2
    )


def test_demo_is_believable_to_an_epmo_lead() -> None:
    """Declared RAG per dimension varies (schedule is not always the overall, scope and
    resources have their troubles), the overall is the worst dimension, key milestones slip
    now and then rather than every week, and a project past go-live is not in Execution."""
    frames, ledger = demo.build("small", seed=5, end=DEMO_END)
    week = {r["upload_id"]: r["as_of_date"] for r in ledger}
    p = frames["projects"].to_pandas()
    p["week"] = p["upload_id"].map(week)
    judged = p[p["stage"].isin(["Planning", "Execution", "Closing"])]
    dims = ["rag_schedule", "rag_cost", "rag_scope", "rag_resources"]
    order = {"Green": 0, "Amber": 1, "Red": 2}
    assert (judged["rag_schedule"] != judged["rag_overall"]).mean() > 0.1
    assert (judged["rag_scope"] != "Green").any() and (judged["rag_resources"] == "Red").any()
    worst = judged[dims].apply(lambda r: max(r, key=order.__getitem__), axis=1)
    watermelon = (judged["rag_overall"] == "Green") & (worst != "Green")
    assert ((worst == judged["rag_overall"]) | watermelon).all()
    assert watermelon.mean() < 0.1
    # key milestones: the share whose forecast moved later since the week before
    m = frames["milestones"].to_pandas()
    m["week"] = m["upload_id"].map(week)
    key = m[m["is_key"] & m["actual_date"].isna()].sort_values("week")
    weeks = sorted(key["week"].unique())
    last, prev = key[key["week"] == weeks[-1]], key[key["week"] == weeks[-2]]
    both = last.merge(prev, on=["project_id", "milestone_id"], suffixes=("", "_prev"))
    slipped = (both["forecast_date"] > both["forecast_date_prev"]).mean()
    assert len(both) > 30 and 0 < slipped < 0.15
    # nobody is in Execution after go-live
    live = m[(m["milestone_name"] == "Go-live") & m["actual_date"].notna()][["upload_id", "project_id"]]
    after = p.merge(live, on=["upload_id", "project_id"])
    assert len(after) > 0 and not (after["stage"] == "Execution").any()


def test_the_demo_loads_only_into_a_store_without_uploads(
    demo_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Its upload ids are fixed by the seed: a second load would store every row twice
    (`make demo` on the store `make run` filled). Refused, nothing written; --if-empty skips."""
    before = tree_digest(Path(demo_store.uri))
    with pytest.raises(ValueError, match="loads only into an empty store"):
        demo.load_demo(demo_store, scale="small", seed=3, end=DEMO_END)
    assert main(["demo", "--store", demo_store.uri, "--scale", "small"]) == 2
    assert "Nothing was written" in capsys.readouterr().err
    assert "demo not loaded" in demo.load_demo(demo_store, scale="small", seed=3, if_empty=True)
    assert tree_digest(Path(demo_store.uri)) == before
    fresh = Store(str(tmp_path / "fresh"))  # no store yet, then an empty one: loaded
    assert "loaded into" in demo.load_demo(fresh, scale="small", seed=3, end=DEMO_END)
    assert main(["check", "--store", fresh.uri]) == 0
