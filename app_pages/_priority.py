"""What the prioritisation pages share: the model picker and the stage filter."""

from __future__ import annotations

import time
from typing import Any

import pandas as pd
import streamlit as st

from app_pages import _shared as ui
from epmo import pagedata, settings
from epmo.pagedata import Filters
from epmo.priority import charts, models, optimise
from epmo.store import Snapshot


def model_choices(snap: Snapshot, f: Filters) -> pagedata.priority.ModelsData:
    """Built-ins first, then the latest version of every saved model (cached)."""
    return ui.page(pagedata.priority.model_choices, snap, f)


def pick_model(
    snap: Snapshot, f: Filters, label: str, key: str, container: Any = st, default: str | None = None
) -> models.ScoringModel:
    choices = model_choices(snap, f)
    names = choices.names
    keep = f"_{key}_keep"  # widget state is dropped on another page: the choice follows the user
    current = st.session_state.get(key)
    if current not in names:
        current = st.session_state.get(keep, default)
    st.session_state[key] = current if current in names else models.DEFAULT_MODEL
    name = container.selectbox(
        label,
        names,
        key=key,
        format_func=lambda n: choices.get(n).label,
        help="Built-in models (weighted, wsjf, rice) and the latest version of each saved model.",
    )
    st.session_state[keep] = name
    return choices.get(name)


def stage_filter(container: Any = st, key: str = "prio_excluded") -> list[str]:
    from epmo import contract

    return list(
        container.multiselect(
            "Leave out stages",
            list(contract.STAGES),
            default=settings.current().priority.excluded_stages,
            key=key,
            help="Candidates are the projects in every other stage (default: Closed and Cancelled are left out).",
        )
    )


# The frontier tab moves its progress bar and shows the chart before the last level only
# once its solve has run this long (the MILP's levels at large arrive over a minute; the
# programme's at once).
PARTIAL_CHART_AFTER_S = 0.5


def warm_frontier(candidates: int, milp: bool) -> None:
    """Start a frontier worker process ahead (priority.frontier_prestart), so opening the
    frontier tab does not wait for Python and scipy to start in it; only when the frontier
    will use workers: its MILP (`milp`: capacity rows, or costs that are not whole units, as
    the remaining cost is; otherwise the dynamic programme solves it in this process) with
    priority.frontier_workers_min_projects candidates."""
    if milp and candidates >= settings.current().priority.frontier_workers_min_projects:
        optimise.prestart_worker()


def frontier(
    snap: Snapshot,
    f: Filters,
    current: tuple[float, float, int] | None,
    selected: tuple[float, float, int] | None,
    **params: Any,
) -> pagedata.priority.FrontierData:
    """The frontier tab's chart: from the cache when this frontier was solved before;
    otherwise solved now (pagedata.priority.frontier_levels) with a progress bar, the chart
    redrawn as each budget level arrives. Leaving the page or changing a widget stops the
    solve at the next level (Streamlit raises in the progress call; the workers are killed)."""
    bar = st.empty()
    slot = st.empty()
    steps = params.get("steps")
    redraws = max(1, settings.current().priority.frontier_redraws)

    t0 = time.monotonic()
    drawn = [False]

    def on_level(rows: pd.DataFrame, done: int, steps: int) -> None:
        # nothing is drawn while the solve is younger than PARTIAL_CHART_AFTER_S (the dynamic
        # programme gives every level at once: one chart, the finished one, and no burst of
        # progress updates for the browser to render); then the bar moves with each level,
        # and a chart (~50 ms for the page, a new plotly plot for the browser) is drawn at
        # the first level and at each of `frontier_redraws` equal shares of the levels
        if time.monotonic() - t0 < PARTIAL_CHART_AFTER_S:
            return
        bar.progress(done / steps, text=f"Solving the frontier: level {done} of {steps}")
        if done == steps:
            return
        if not drawn[0] or done * redraws // steps > (done - 1) * redraws // steps:
            drawn[0] = True
            with slot.container():
                ui.chart(charts.frontier_chart(rows, current, selected), f"sel_frontier_partial_{done}")

    data = ui.page_live(
        pagedata.priority.frontier_levels,
        snap,
        f,
        callbacks={"on_level": on_level},
        started=lambda: bar.progress(0.0, text=f"Solving the frontier: level 0 of {steps}"),
        **params,
    )
    bar.empty()
    with slot.container():
        ui.chart(charts.frontier_chart(data.frontier, current, selected), "sel_frontier_chart")
    return data
