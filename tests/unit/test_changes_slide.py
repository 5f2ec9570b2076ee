"""The What changed slide (decks and packs) reads as words: the kinds of change and the
changed fields, never the query's codes (rag_computed, as_of_date)."""

from __future__ import annotations

from epmo import health, labels, steering
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
