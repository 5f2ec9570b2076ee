"""The Ranking slide (decks and packs) names its series as the app labels the criteria
(epmo/labels.py: Strategic alignment), not the contribution columns in lower case."""

from __future__ import annotations

from epmo import labels, steering
from epmo.priority import models
from epmo.store import Store
from tests.conftest import DEMO_END


def test_ranking_slide_series_read_as_the_labels(demo_store: Store) -> None:
    model = models.DEFAULT_MODEL  # weighted criteria: one series per criterion
    con = demo_store.connect()
    try:
        slide = steering.build_slide(con, DEMO_END, steering.SlideSpec("ranking", {"model": model}))
    finally:
        con.close()
    series = list(slide.blocks[0].data.columns)
    criteria = [c.column for c in models.BUILT_INS[model].criteria]
    assert series and series == [labels.label(c) for c in criteria], series
    assert all(s[:1].isupper() and "_" not in s for s in series), series
