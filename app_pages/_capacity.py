"""What the capacity pages share: the view controls, the band legend, the cell tables."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from app_pages import _shared as ui
from epmo import capacity, pagedata
from epmo.safe_text import unplotly

BY_LABELS = {"role": "Role", "team": "Team", "role_team": "Role and team", "person": "Person"}
GRAIN_LABELS = {"week": "Week", "month": "Month", "quarter": "Quarter"}
DEMAND_LABELS = {"all": "Confirmed + tentative", "confirmed": "Confirmed", "tentative": "Tentative"}
HORIZONS = (3, 6, 9, 12)


def controls(prefix: str) -> dict[str, Any]:
    """Rows, columns, horizon, demand and labels; returns the chosen options."""
    # a row that wraps: at 1024 px five columns cut the choices to "Rol", "Mor", "6 m"
    row = st.container(horizontal=True, wrap=True, vertical_alignment="bottom")
    by = row.selectbox("Rows", list(BY_LABELS), format_func=BY_LABELS.get, key=f"{prefix}_by", width=170)
    grain = row.selectbox(
        "Columns", list(GRAIN_LABELS), index=1, format_func=GRAIN_LABELS.get, key=f"{prefix}_grain", width=130
    )
    default = capacity.default_horizon_months()
    options = sorted({*HORIZONS, default})
    horizon = row.selectbox(
        "Horizon",
        options,
        index=options.index(default),
        format_func=lambda m: f"{m} months",
        key=f"{prefix}_horizon",
        width=130,
        help="Calendar months counting the as-of month; the first starts on the Monday of the as-of week.",
    )
    demand = row.radio(
        "Demand",
        list(DEMAND_LABELS),
        format_func=DEMAND_LABELS.get,
        horizontal=True,
        key=f"{prefix}_demand",
        help="Tentative demand is not yet confirmed (soft bookings).",
        width="content",
    )
    labelled = row.toggle(
        "Label cells", key=f"{prefix}_labels", help="Show the utilisation in every cell.", width="content"
    )
    return {"by": by, "grain": grain, "horizon_months": horizon, "demand": demand, "labelled": labelled}


def view(opts: dict[str, Any]) -> pagedata.capacity.View:
    """The page-data View of the controls' choices."""
    return pagedata.capacity.View(opts["grain"], opts["by"], opts["demand"], opts["horizon_months"])


def band_legend() -> None:
    b = capacity.bands()
    chips = [
        f"<span style='background:{b.no_capacity_colour};color:#fff;padding:1px 6px;border-radius:3px;white-space:nowrap'>{b.no_capacity}</span>"
    ]
    chips += [
        f"<span style='background:{c};color:{'#000' if i in (0, 2) else '#fff'};padding:1px 6px;border-radius:3px;white-space:nowrap'>{n}</span>"
        for i, (n, c) in enumerate(zip(b.names, b.colours, strict=True))
    ]
    st.markdown(
        "Utilisation = demand hours / available hours &nbsp; " + " ".join(chips), unsafe_allow_html=True
    )


def display_cells(cells: pd.DataFrame) -> pd.DataFrame:
    keep = [k for k in capacity.KEYS if cells[k].notna().any()]
    cols = [
        "period_start",
        *keep,
        "demand_hours",
        "confirmed_hours",
        "tentative_hours",
        "capacity_hours",
        "utilisation_pct",
        "band",
    ]
    return cells[cols]


def display_shortage(frame: pd.DataFrame, only_short: bool) -> pd.DataFrame:
    keep = [k for k in capacity.KEYS if frame[k].notna().any()]
    out = frame[frame["shortage_hours"] > 0] if only_short else frame
    return out[
        [
            "period_start",
            *keep,
            "demand_hours",
            "capacity_hours",
            "shortage_hours",
            "shortage_fte",
            "top_projects",
        ]
    ]


# a period as the heatmap names it: "Nov 2026" for a month, "2027 Q1" for a quarter
_PERIOD_FORMATS = {"week": ui.DATE_FORMAT, "month": "MMM YYYY", "quarter": "YYYY [Q]Q"}


def columns(grain: str) -> dict[str, Any]:
    """NUMBER_COLUMNS with the period written at the heatmap's grain."""
    period = st.column_config.DateColumn("Period", format=_PERIOD_FORMATS.get(grain, ui.DATE_FORMAT))
    return {**NUMBER_COLUMNS, "period_start": period}


NUMBER_COLUMNS = {
    "period_start": st.column_config.DateColumn("Period", format=ui.DATE_FORMAT),
    "demand_hours": st.column_config.NumberColumn("Demand (h)", format="%,.0f"),
    "confirmed_hours": st.column_config.NumberColumn("Confirmed (h)", format="%,.0f"),
    "tentative_hours": st.column_config.NumberColumn("Tentative (h)", format="%,.0f"),
    "capacity_hours": st.column_config.NumberColumn("Available (h)", format="%,.0f"),
    "utilisation_pct": st.column_config.NumberColumn("Utilisation", format="%.0f%%"),
    "shortage_hours": st.column_config.NumberColumn("Short (h; - spare)", format="%,.0f"),
    "shortage_fte": st.column_config.NumberColumn("Short (FTE)", format="%.1f"),
    "share_pct": st.column_config.NumberColumn("Share", format="%.1f%%"),
    "top_projects": st.column_config.TextColumn("Projects driving it", width="large"),
    "project_id": st.column_config.TextColumn("Project"),
    "project_name": st.column_config.TextColumn("Name"),
    "role": st.column_config.TextColumn("Role"),
    "team": st.column_config.TextColumn("Team"),
    "resource_name": st.column_config.TextColumn("Person"),
    "project_count": st.column_config.NumberColumn("Projects"),
    "first_date": st.column_config.DateColumn("From", format=ui.DATE_FORMAT),
    "last_date": st.column_config.DateColumn("To", format=ui.DATE_FORMAT),
    **{
        f"{side}_{col}": kind(f"{side.title()} {label}", format=fmt)
        for side in ("baseline", "scenario")
        for col, label, fmt, kind in (
            ("demand_hours", "demand (h)", "%,.0f", st.column_config.NumberColumn),
            ("capacity_hours", "available (h)", "%,.0f", st.column_config.NumberColumn),
            ("utilisation_pct", "utilisation", "%.0f%%", st.column_config.NumberColumn),
        )
    },
    "baseline_band": st.column_config.TextColumn("Baseline band"),
    "scenario_band": st.column_config.TextColumn("Scenario band"),
}


def cell_from_selection(event: Any) -> dict[str, Any] | None:
    """The heatmap cell a click selected: period_start and row keys, or None."""
    try:
        points = event.selection.points
    except AttributeError:
        return None
    for point in points or []:
        data = point.get("customdata")
        if data and len(data) >= 4:
            return {
                "period_start": dt.date.fromisoformat(str(data[0])),
                "role": unplotly(data[1]),
                "team": unplotly(data[2]),
                "resource_name": unplotly(data[3]),
            }
    return None


def match_cell(cells: pd.DataFrame, cell: dict[str, Any]) -> pd.DataFrame:
    """The rows of `cells` for one cell (period_start and row keys; None matches a missing key)."""
    mask = pd.to_datetime(cells["period_start"]).dt.date == pd.Timestamp(cell["period_start"]).date()
    for k in capacity.KEYS:
        value = cell.get(k)
        mask &= cells[k].isna() if value is None else (cells[k] == value)
    return cells[mask]
