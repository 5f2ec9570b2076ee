"""The flow slide in decks and packs: the same numbers as the flow_forecast export, and
hostile titles stay text."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from epmo import flow, flow_charts, pack, steering
from epmo.store import Store
from tests.conftest import DEMO_END


def test_flow_slide_matches_the_export(demo_store: Store, tmp_path: Path) -> None:
    forecasts = flow.export_flow_forecast(demo_store, DEMO_END)
    con = demo_store.connect()
    try:
        slide = steering.build_slide(con, DEMO_END, steering.SlideSpec("flow"))
    finally:
        con.close()
    metrics = {m.label: m.value for m in slide.metrics}
    # the projects judged: expected to report (a Closed or On hold project's old backlog was
    # counted, and listed among the furthest behind); any delivery method with a backlog
    active = forecasts[forecasts["is_active"]]
    assert 0 < len(active) < len(forecasts)
    # every one of them, and the RAG counts of the same projects (it counted those with a date:
    # 180 beside a Red + Amber + Green of 192)
    assert int(metrics["With work items"]) == len(active)
    rag = {r: int(metrics[f"{r} (computed)"]) for r in ("Red", "Amber", "Green")}
    assert rag["Red"] == int((active["rag_computed"] == "Red").sum())
    assert sum(rag.values()) <= len(active)
    dateless = active["is_dateless"].astype(bool)
    assert dateless.any()  # the demo has one: the order below is tested
    assert int(metrics["No forecast date"]) == int(dateless.sum())
    # furthest behind: those without a date first (they were left out), then the largest slip
    table = slide.blocks[1]
    assert table.frame.iloc[0, 0] == active[dateless].iloc[0]["project_id"]
    slips = active.dropna(subset=["flow_slip_days"]).sort_values("flow_slip_days", ascending=False)
    chart = slide.blocks[0]
    assert list(chart.data.index)[::-1][0].startswith(slips.iloc[0]["project_id"])  # the chart's largest slip
    deck = steering.parse_deck("Agile", {"slides": ["flow"]})
    frozen = steering.freeze(demo_store, DEMO_END)
    built = pack.build_from_store(demo_store, deck, frozen)
    for name in ("agile.pptx", "agile.html"):
        pack.write(built, tmp_path / name)
        assert (tmp_path / name).stat().st_size > 0
    assert (tmp_path / "agile.html").read_text(encoding="utf-8").count("Agile flow") >= 1
    assert [s.view for s in steering.default_deck().slides][-1] == "flow"


def test_chart_labels_escape_uploaded_text() -> None:
    import pandas as pd

    frame = pd.DataFrame(
        {
            "project_id": ["P1"],
            "project_name": ["<img src=x onerror=alert(1)> & co"],
            "flow_slip_days": [12],
            "rag_computed": ["Amber"],
        }
    )
    fig = flow_charts.forecast_slip(frame)
    label = fig.data[0].y[0]
    assert "<img" not in label and "&lt;img src=x onerror=alert(1)&gt; &amp; co" in label


def test_a_flow_slide_whose_furthest_behind_have_no_date_still_makes_a_pack(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ten or more backlogs without a date, the chart's rows came from the table's and
    were none: the screen showed an empty chart and the PowerPoint pack failed to build."""
    import pandas as pd

    from epmo.pagedata import flow as flow_pages

    real = flow_pages.flow

    def many_dateless(*args, **kwargs):  # type: ignore[no-untyped-def]
        data = real(*args, **kwargs)
        f = data.forecasts.copy()
        active = f.index[f["is_active"].astype(bool)]
        f.loc[active[:12], ["is_dateless", "flow_slip_days"]] = [True, None]
        f = pd.concat([f.loc[active[:12]], f.drop(index=active[:12])])
        return dataclasses.replace(data, forecasts=f)

    monkeypatch.setattr(flow_pages, "flow", many_dateless)
    con = demo_store.connect()
    try:
        slide = steering.build_slide(con, DEMO_END, steering.SlideSpec("flow"))
    finally:
        con.close()
    chart, table = slide.blocks
    assert not chart.data.empty  # the slips of the others
    assert list(table.frame.iloc[:, 3])[:10] == ["no date"] * 10
    frozen = steering.freeze(demo_store, DEMO_END)
    fresh = {"reported": 1, "expected": 1, "projects": 1}
    built = pack.Pack(steering.parse_deck("Agile", {"slides": ["flow"]}), frozen, fresh, [slide])
    assert pack.to_pptx(built)  # it raised "chart data contains no categories"
    empty = dataclasses.replace(chart, data=chart.data.iloc[:0])
    assert pack.to_pptx(
        pack.Pack(built.deck, frozen, fresh, [dataclasses.replace(slide, blocks=[empty, table])])
    )
