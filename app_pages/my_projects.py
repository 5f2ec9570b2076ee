"""My projects: a project manager's week in one place. What the EPMO sees for my projects
this week, the computed RAG beside mine with the reasons, my warnings and stale tables,
what changed since last week; "No change this week" for an unchanged project, and the
pre-filled workbook for a changed one."""

import streamlit as st

from app_pages import _shared as ui
from app_pages import _weekly
from epmo import access, weekly
from epmo.pagedata import weekly as pagedata_weekly
from epmo.safe_text import md

snap = ui.snapshot()
f = ui.sidebar(snap)
as_of = f.as_of
st.title("My projects")
st.caption(
    f"The week of {as_of:%d %b %Y}. Unchanged? Confirm it in one click. Changed? Download your "
    "projects' current rows as the template workbook, edit what changed, upload it back."
)
managers = ui.page(pagedata_weekly.managers, snap, f).emails
manager = _weekly.acting_manager(managers)
if not manager:
    st.info("Choose your email to see your projects.")
    st.stop()

week = ui.page(pagedata_weekly.my_week, snap, f, manager=manager).week
if week.projects.empty:
    st.info(f"No project in the portfolio as of {as_of:%d %b %Y} has {md(manager)} as its project manager.")
    st.stop()

not_expected = len(week.projects) - week.expected_count
c = ui.metric_columns(4)
c[0].metric("My projects", len(week.projects))
c[1].metric(
    "Reported this week",
    f"{week.reported_count:,} of {week.expected_count:,}",
    help=f"Your projects expected to report (stage {ui.active_stages()}) whose latest report is for "
    f"this very week. {not_expected:,} (Closed and other inactive stages) are not expected to report.",
)
c[2].metric(
    "Confirmed", int(week.projects["confirmed_unchanged"].sum()), help="Confirmed unchanged this week"
)
c[3].metric(
    "RAG differs",
    week.rag_differs_count,
    help="Projects whose computed RAG is not the one you report (projects not judged left out)",
)

st.subheader("This week's report")
todo = week.to_confirm
act = st.columns([3, 2])
refusal = access.confirm_refusal(ui.current_identity(), manager)  # '' when they may confirm
if todo:
    chosen = act[0].multiselect(
        "Unchanged projects",
        todo,
        default=todo,
        key="my_confirm_ids",
        help="Nothing changed since the last report.",
    )
    if act[1].button(
        "No change this week",
        type="primary",
        key="my_confirm",
        icon=":material/task_alt:",
        width="stretch",
        disabled=bool(refusal),
        help=md(refusal) if refusal else None,
    ):
        try:
            weekly.confirm_unchanged(ui.store(), ui.require("upload"), manager, chosen, as_of)
        except (weekly.ConfirmRefused, access.Forbidden) as exc:
            st.error(md(exc), icon=":material/error:")
        else:
            st.session_state["_my_confirmed"] = ", ".join(chosen)
            st.rerun()
elif not_expected:
    act[0].success(
        "Every one of your projects expected to report has reported for this week.",
        icon=":material/check_circle:",
    )
else:
    act[0].success("Every one of your projects has reported for this week.", icon=":material/check_circle:")
act[1].download_button(
    "Pre-filled workbook",
    lambda: weekly.prefilled_workbook(ui.store(), manager, as_of),
    f"my_projects_{as_of}.xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="my_workbook",
    icon=":material/download:",
    on_click="ignore",
    width="stretch",
    help="An XLSX of your projects' current rows in the template's layout: edit what changed, then upload it on the Upload page.",
)
done = st.session_state.pop("_my_confirmed", "")
if done:
    st.success(
        f"Confirmed unchanged for the week of {as_of:%d %b %Y}: {md(done)}.", icon=":material/task_alt:"
    )
if ui.allowed("upload"):  # the Upload page is in the navigation of who may upload only
    st.page_link("app_pages/upload.py", label="Upload the edited workbook", icon=":material/upload_file:")

st.subheader("What the EPMO sees")
shown = week.projects.assign(
    rag_computed=week.projects["rag_computed"].fillna("not judged"),
    rag_reasons=week.projects["rag_reasons"].fillna(""),
    status=week.this_week,
)
ui.table(
    shown[["project_id", "project_name", "status", "rag_declared", "rag_computed", "rag_reasons", "stage"]],
    key="my_table",
    column_config={
        "project_id": "Project",
        "project_name": "Name",
        "stage": "Stage",
        "status": st.column_config.TextColumn("This week", width=230),
        "rag_declared": "My RAG",
        "rag_computed": "Computed RAG",
        "rag_reasons": st.column_config.TextColumn("Why (computed)", width="large"),
    },
)

st.subheader("My warnings")
if week.warnings:
    for w in week.warnings:
        st.text(f"• {w}")
else:
    st.caption("Nothing to act on.")

t1, t2 = st.columns(2)
with t1:
    st.subheader("My tables")
    ui.table(
        week.tables[["project_id", "table_name", "reported_week", "weeks_stale", "confirmed_unchanged"]],
        key="my_tables",
        column_config={
            "project_id": "Project",
            "table_name": "Table",
            "reported_week": "Reported for",
            "weeks_stale": st.column_config.NumberColumn("Weeks old", format="%d"),
            "confirmed_unchanged": "Confirmed",
        },
    )
with t2:
    st.subheader("Changed since last week")
    if week.changes.empty:
        st.caption("No change against the week before.")
    else:
        ui.table(week.changes, key="my_changes")
