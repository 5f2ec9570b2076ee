"""The What changed slide (decks and packs) reads as words: the kinds of change and the
changed fields, never the query's codes (rag_computed, as_of_date)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from epmo import health, labels, steering
from epmo.steering import slides
from epmo.store import Store
from tests.conftest import DEMO_END


def test_changes_slide_shows_words_not_codes(demo_store: Store) -> None:
    expected = health.changes_view(demo_store, DEMO_END)
    assert not expected.empty  # the demo's last week changes something: the checks see rows
    con = demo_store.connect()
    try:
        slide = steering.build_slide(con, DEMO_END, steering.SlideSpec("changes"))
    finally:
        con.close()
    chart, table = slide.blocks[0], slide.blocks[1]
    codes = set(labels.VALUE_LABELS["change_type"])
    words = {labels.text("change_type", c) for c in expected["change_type"]}
    assert set(chart.data.index) == words  # the native chart's numbers: one row per kind, in words
    kinds = set(table.frame[labels.label("change_type")])
    assert kinds and kinds <= set(labels.VALUE_LABELS["change_type"].values())
    assert not kinds & codes
    assert int(chart.data["Changes"].sum()) == len(expected)
    assert set(chart.figure.data[0].y) == words  # the screen's chart too


def _changes(*kinds: tuple[str, int]) -> pd.DataFrame:
    """(kind, how many) -> a changes frame; RAG changes one step worse, the others growing."""
    rows = []
    for kind, n in kinds:
        for k in range(n):
            amount = 1.0 if kind.startswith("rag") else float(k + 1) * (-1 if k % 2 else 1)
            rows.append({"project_id": f"{kind}-{k}", "change_type": kind, "change_amount": amount})
    return pd.DataFrame(rows)


# (case, the changes, rows on the slide, the kinds shown in order)
HEADLINE_CASES = [
    (
        "many worse: half the rows, then each kind in turn",
        _changes(("rag_computed", 40), ("budget", 3), ("milestone", 2)),
        10,
        ["rag_computed"] * 5 + ["milestone"] * 2 + ["budget"] * 3,
    ),
    (
        "few worse: the rest to the others",
        _changes(("rag_declared", 3), ("eac", 20)),
        10,
        ["rag_declared"] * 3 + ["eac"] * 7,
    ),
    ("only worse", _changes(("rag_computed", 12)), 10, ["rag_computed"] * 10),
    ("none worse", _changes(("budget", 8), ("forecast_end", 8)), 4, ["forecast_end"] * 2 + ["budget"] * 2),
    ("all fit", _changes(("budget", 2), ("rag_computed", 2)), 10, ["rag_computed"] * 2 + ["budget"] * 2),
]


@pytest.mark.parametrize(
    ("changes", "n", "kinds"), [c[1:] for c in HEADLINE_CASES], ids=[c[0] for c in HEADLINE_CASES]
)
def test_the_slide_s_changes_hide_no_kind_behind_the_rag(
    changes: pd.DataFrame, n: int, kinds: list[str]
) -> None:
    """The slide listed only "RAG got worse" whenever one had: a budget up by half a million
    and a go-live 45 days later were a 1 in the bar chart."""
    worse = changes[changes["change_type"].str.startswith("rag") & (changes["change_amount"] > 0)]
    shown = slides.headline_changes(changes, worse, n)
    assert shown["change_type"].tolist() == kinds
    assert shown["project_id"].is_unique
    for kind in set(kinds) - {"rag_computed", "rag_declared"}:  # each kind's largest first
        amounts = shown.loc[shown["change_type"] == kind, "change_amount"].abs().tolist()
        everyone = changes.loc[changes["change_type"] == kind, "change_amount"].abs()
        assert amounts == sorted(everyone, reverse=True)[: len(amounts)]


def test_the_watermelons_on_the_health_slide_are_the_largest_and_say_how_many(
    demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The slide showed the ten lowest project ids of 46 watermelons, without saying so. (Two
    rows a table here: the small demo has fewer watermelons than a slide's ten.)"""
    from epmo import settings

    override = tmp_path / "rows.toml"
    override.write_text("[steering]\nslide_table_rows = 2\n")
    monkeypatch.setenv("EPMO_SETTINGS", str(override))
    settings.settings.cache_clear()
    con = demo_store.connect()
    try:
        slide = steering.build_slide(con, DEMO_END, steering.SlideSpec("health"))
        every = health.project_health_view(demo_store, DEMO_END)
    finally:
        con.close()
        monkeypatch.delenv("EPMO_SETTINGS")
        settings.settings.cache_clear()
    melons = every[every["is_watermelon"].astype(bool)]
    [table] = [b for b in slide.blocks if b.title.startswith("Watermelons")]
    shown = table.frame[labels.label("project_id")].tolist()
    largest = melons.sort_values(["bac", "project_id"], ascending=[False, True])["project_id"].head(
        len(shown)
    )
    assert shown == largest.tolist()
    assert len(shown) == 2 < len(melons)
    assert f"the 2 of {len(melons)} with the largest budgets" in table.title
