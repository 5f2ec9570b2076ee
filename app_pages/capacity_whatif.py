"""Capacity what-if: leave projects out, shift or scale them, change capacity; see it at once."""

import datetime as dt

import pandas as pd
import streamlit as st

from app_pages import _capacity as cap
from app_pages import _shared as ui
from epmo import capacity, capacity_charts, labels
from epmo.pagedata import capacity as pages
from epmo.safe_text import md

snap = ui.snapshot()
f = ui.sidebar(snap)
st.title("Capacity what-if")
st.caption(
    "Try a scenario over the portfolio as reported for the week of "
    f"{f.as_of:%d %b %Y}: nothing in the store changes. The heatmap recomputes in DuckDB "
    "and shows the scenario beside the baseline; cells that change band are outlined."
)

STATE = "cap_scenario_json"
if STATE not in st.session_state:
    st.session_state[STATE] = capacity.BASELINE.to_json()
    st.session_state.cap_json_edit = st.session_state[STATE]


def scenario() -> capacity.Scenario:
    return capacity.Scenario.from_json(st.session_state[STATE])


def set_scenario(sc: capacity.Scenario) -> None:
    st.session_state[STATE] = sc.to_json()
    st.session_state.cap_json_edit = st.session_state[STATE]
    st.session_state.pop("cap_message", None)


def remove_change(index: int) -> None:
    set_scenario(scenario().without(index))


def add_change(item: dict[str, object]) -> None:
    try:
        set_scenario(scenario().with_change(capacity.parse_change(item)))
    except ValueError as exc:
        st.session_state.cap_message = ("error", str(exc))


def apply_json() -> None:
    try:
        sc = capacity.Scenario.from_json(st.session_state.cap_json_edit)
    except ValueError as exc:
        st.session_state.cap_message = ("error", f"Scenario not applied: {exc}")
        return
    st.session_state[STATE] = sc.to_json()
    st.session_state.cap_message = ("success", f"Applied {labels.count(len(sc.changes), 'change')}.")


def open_saved(name: str) -> None:
    try:
        sc, doc = capacity.load_scenario(ui.store(), name)
    except (KeyError, ValueError) as exc:
        st.session_state.cap_message = ("error", f"Could not open {name!r}: {exc}")
        return
    set_scenario(sc)
    st.session_state.cap_save_name = name
    st.session_state.cap_message = (
        "success",
        f"Opened {name!r} (version {doc['version']}, saved by {doc['saved_by']} on "
        f"{pd.Timestamp(doc['saved_at']):%d %b %Y %H:%M} UTC, as of {doc['as_of_date']}).",
    )


def save(as_of: dt.date) -> None:
    try:
        capacity.save_scenario(
            ui.store(),
            ui.require("scenario"),
            st.session_state.get("cap_save_name", ""),
            scenario(),
            as_of,
        )
    except ValueError as exc:
        st.session_state.cap_message = ("error", f"Not saved: {exc}")
        return
    st.session_state.cap_message = ("success", f"Saved scenario {st.session_state.cap_save_name.strip()!r}.")


current = scenario()
# the editor's choices first (projects, roles, saved scenarios); the results below
choices = ui.page(pages.whatif_choices, snap, f)
projects, role_teams = choices.projects, choices.role_teams
names = choices.names

left, right = st.columns([3, 2], gap="large")
with left:
    st.subheader("Changes")
    if not current.changes:
        st.caption("No changes yet: the scenario equals the baseline. Add one below.")
    for i, change in enumerate(current.changes):
        row = st.columns([5, 1.4], vertical_alignment="center")
        label = change.describe()
        if change.project_id in names:
            label += f" · {names[change.project_id]}"
        row[0].markdown(f"{i + 1}. {md(label)}")
        row[1].button("Remove", key=f"cap_rm_{i}", on_click=remove_change, args=(i,), icon=":material/close:")

    with st.container(border=True):
        kinds = {
            "exclude": "Leave a project out",
            "shift": "Shift a project",
            "scale": "Scale a project",
            "capacity": "Change capacity of a role",
        }
        kind = st.selectbox("Add a change", list(kinds), format_func=kinds.get, key="cap_add_kind")
        if kind in ("exclude", "shift", "scale"):
            c = st.columns([3, 1])
            pid = c[0].selectbox(
                "Project",
                projects["project_id"].tolist(),
                format_func=lambda p: f"{p} · {names.get(p, '')}",
                key="cap_add_project",
                index=None,
                placeholder="Choose a project",
            )
            item: dict[str, object] = {"kind": kind, "project_id": pid}
            if kind == "shift":
                item["weeks"] = c[1].number_input(
                    "Weeks (+ later, - earlier)", -104, 104, 4, step=1, key="cap_add_weeks"
                )
            if kind == "scale":
                item["percent"] = c[1].number_input(
                    "% of plan", 0.0, 1000.0, 50.0, step=10.0, key="cap_add_pct", help="100 = as planned."
                )
        else:
            c = st.columns(3)
            role = c[0].selectbox("Role", sorted(role_teams["role"].dropna().unique()), key="cap_add_role")
            teams = sorted(role_teams.loc[role_teams["role"] == role, "team"].dropna().unique())
            team = c[1].selectbox(
                "Team", ["", *teams], format_func=lambda t: t or "(main team)", key="cap_add_team"
            )
            months = [capacity.month_start(f.as_of, m) for m in range(0, 24)]
            start = c[2].selectbox("From", months, format_func=lambda d: f"{d:%b %Y}", key="cap_add_from")
            c = st.columns([1, 2])
            amount = c[0].number_input("+ hire / - leave", value=1.0, step=0.5, key="cap_add_amount")
            unit = c[1].radio("Unit", ["FTE", "h/week"], key="cap_add_unit", horizontal=True)
            item = {"kind": "capacity", "role": role, "team": team, "from_month": start.isoformat()}
            item["fte" if unit == "FTE" else "hours_per_week"] = amount
        st.button(
            "Add change",
            key="cap_add",
            on_click=add_change,
            args=(item,),
            icon=":material/add:",
            type="primary",
        )

    with st.expander("Scenario as JSON (edit or paste)"):
        st.text_area("Scenario JSON", key="cap_json_edit", height=180, label_visibility="collapsed")
        st.button("Apply JSON", key="cap_apply_json", on_click=apply_json)

with right:
    st.subheader("Saved scenarios")
    saved = choices.saved
    if saved.empty:
        st.caption("None yet. Name this scenario and save it below; anyone can then open it.")
    else:
        c = st.columns([3, 1])
        pick = c[0].selectbox("Open a saved scenario", saved["name"].tolist(), key="cap_open_name")
        c[1].button("Open", key="cap_open", on_click=open_saved, args=(pick,), icon=":material/folder_open:")
        shown = saved[["name", "version", "saved_by", "saved_at", "as_of_date"]]
        ui.table(shown, key="cap_saved_table")
    st.text_input("Scenario name", key="cap_save_name", placeholder="e.g. Hire 2 developers in March")
    st.text(f"Saved by {ui.current_identity().email}")
    st.button(
        "Save scenario",
        key="cap_save",
        on_click=save,
        args=(f.as_of,),
        icon=":material/save:",
        disabled=not ui.allowed("scenario"),
    )

message = st.session_state.pop("cap_message", None)
if message:
    (st.error if message[0] == "error" else st.success)(md(message[1]))
idle = sorted({c.project_id for c in current.changes if c.project_id and c.project_id not in names})
if idle:
    st.warning(
        f"No demand from the as-of week on for {', '.join(md(p) for p in idle)} (in this portfolio selection): "
        "the changes naming them have no effect."
    )

# ---------------------------------------------------------------- results
st.divider()
opts = cap.controls("capw")
result = ui.page(pages.whatif, snap, f, view=cap.view(opts), scenario=current.to_json())
base, scn, both, changed = result.baseline, result.scenario, result.compare, result.changed
if base.empty:
    st.info("No demand or capacity in this horizon as of this week: nothing to compare.")
    st.stop()

m = ui.metric_columns(4)
m[0].metric("Changes", len(current.changes))
m[1].metric("Cells changing band", f"{len(changed):,}")
b_over, s_over = capacity.over_allocated(base), capacity.over_allocated(scn)
m[2].metric(
    "Over-allocated cells",
    f"{s_over:,}",
    delta=s_over - b_over,
    delta_color="inverse",
    help="Cells whose demand is 100% or more of the available hours, or has no capacity at all.",
)
b_hours, s_hours = capacity.hours_short(base), capacity.hours_short(scn)
m[3].metric(
    "Hours short",
    f"{s_hours:,.0f}",
    delta=f"{s_hours - b_hours:,.0f}",
    delta_color="inverse",
    help="Sum over the cells of demand hours above available hours (as in the shortage table).",
)

cap.band_legend()
c = st.columns(2)
with c[0]:
    ui.chart(
        capacity_charts.heatmap(base, opts["grain"], labelled=opts["labelled"], title="Baseline"), "capw_base"
    )
with c[1]:
    ui.chart(
        capacity_charts.heatmap(
            scn, opts["grain"], labelled=opts["labelled"], changed=changed, title="Scenario"
        ),
        "capw_scn",
    )

st.subheader("Cells that change band")
if changed.empty:
    st.caption("No cell changes band in this scenario.")
else:
    table = result.changed_table()
    ui.table(table, column_config=cap.columns(opts["grain"]), key="capw_changed")
    ui.downloads(table, f"capacity_whatif_changed_{f.as_of}", "capw_changed_dl")
with st.expander("All cells, baseline and scenario"):
    ui.table(both, column_config=cap.columns(opts["grain"]))
    ui.downloads(both, f"capacity_whatif_{f.as_of}", "capw_all_dl")
ui.show_sql(result.sql["cells"], what="Cells that change band (utilisation)")
ui.show_sql(result.sql["scenario_demand"], what="Cells that change band (demand after the changes)")
ui.show_sql(result.sql["scenario_supply"], what="Cells that change band (capacity after the changes)")
