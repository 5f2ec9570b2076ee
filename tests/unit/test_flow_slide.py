"""The flow slide in decks and packs: the same numbers as the flow_forecast export, and
hostile titles stay text."""

from __future__ import annotations

from pathlib import Path

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
    assert int(metrics["Projects with a backlog"]) == len(active)
    rag = {r: int(metrics[f"{r} (computed)"]) for r in ("Red", "Amber", "Green")}
    assert rag["Red"] == int((active["rag_computed"] == "Red").sum())
    assert sum(rag.values()) <= len(active)
    dateless = active["p85_date"].isna() & (active["remaining_items"] > 0)
    assert int(metrics["No forecast date"]) == int(dateless.sum())
    # furthest behind: those without a date first (they were left out), then the largest slip
    table = slide.blocks[1]
    first = active[dateless].iloc[0] if dateless.any() else active.sort_values("flow_slip_days").iloc[-1]
    assert table.frame.iloc[0, 0] == first["project_id"]
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
