"""The explorer's chart builder: traces per colour group, types, and clear refusals."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from epmo.explorer_charts import CHART_TYPES, ChartError, result_chart

FRAME = pd.DataFrame(
    {
        "week": ["2026-11-06", "2026-11-13", "2026-11-20", "2026-11-06", "2026-11-13", "2026-11-20"],
        "portfolio": ["A", "A", "A", "B", "B", "B"],
        "bac": [3.0, 1.0, 2.0, 5.0, None, 4.0],
        "label": list("uvwxyz"),
    }
)


@pytest.mark.parametrize("chart_type", CHART_TYPES)
def test_one_trace_per_colour_group(chart_type: str) -> None:
    fig = result_chart(FRAME, "week", "bac", "portfolio", chart_type)
    assert [t.name for t in fig.data] == ["A", "B"]
    b = fig.data[1]
    assert list(b.y) == [5.0, 4.0]  # the blank y is left out, not drawn as 0
    assert fig.layout.xaxis.title.text == "week" and fig.layout.yaxis.title.text == "bac"


def test_lines_are_drawn_in_x_order_and_types_differ() -> None:
    shuffled = FRAME.iloc[[2, 0, 1]]
    line = result_chart(shuffled, "week", "bac", None, "line")
    assert list(line.data[0].x) == ["2026-11-06", "2026-11-13", "2026-11-20"]
    assert line.data[0].type == "scatter" and line.data[0].mode == "lines+markers"
    assert result_chart(FRAME, "week", "bac", None, "bar").data[0].type == "bar"
    assert result_chart(FRAME, "week", "bac", None, "scatter").data[0].mode == "markers"
    assert result_chart(FRAME, "week", "bac", None, "area").data[0].stackgroup == "one"
    assert result_chart(FRAME, "week", "bac").layout.showlegend is False


def test_too_many_colour_groups_keeps_the_biggest(monkeypatch: pytest.MonkeyPatch) -> None:
    import epmo.explorer_charts as ec

    real = ec.current()
    one = dataclasses.replace(real, explorer=dataclasses.replace(real.explorer, chart_max_groups=1))
    monkeypatch.setattr(ec, "current", lambda: one)
    frame = pd.DataFrame({"x": [1, 2, 3], "y": [1.0, 2.0, 3.0], "g": ["a", "b", "b"]})
    fig = ec.result_chart(frame, "x", "y", "g", "bar")
    assert [t.name for t in fig.data] == ["b"]
    assert "1 smallest g groups not drawn" in fig.layout.title.text


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("week", "label", None, "bar"), "not numeric"),
        (("week", "nope", None, "bar"), "no column 'nope'"),
        (("week", "bac", "nope", "bar"), "colour: no column"),
        (("week", "bac", None, "pie"), "chart type must be one of"),
    ],
)
def test_impossible_charts_are_refused_clearly(args: tuple[str, str, str | None, str], words: str) -> None:
    with pytest.raises(ChartError, match=words):
        result_chart(FRAME, *args)
