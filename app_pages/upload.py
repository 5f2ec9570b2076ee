"""Upload: drop the weekly extract, see every problem, preview the changes, then commit."""

import datetime as dt
import hashlib

import pandas as pd
import streamlit as st

from app_pages import _shared as ui
from epmo import access, contract, isolate, labels, templates
from epmo.importers import LAYOUTS, WorkItemImport
from epmo.ingest import ACCEPTED, DUPLICATE, commit, for_project, ingest, latest_reporting_day
from epmo.mapping import resolve, shipped
from epmo.pagedata import ledger
from epmo.safe_text import md
from epmo.settings import current
from epmo.store import StoreWriteError
from epmo.workflow import Workflow

identity = ui.require("upload")
isolate.prestart()  # the parse child starts while the file is picked, once per server process
snap = ui.snapshot()
st.title("Upload a weekly extract")
st.caption(
    "CSV, XLSX (a sheet per table), a ZIP of CSVs, or your own tool's export (Jira, a Microsoft "
    "Project XML plan) with its mapping. Any subset of the tables. "
    "Nothing is stored until you commit, and nothing is stored if there is an error."
)

with st.expander("Templates and the data contract", icon=":material/description:"):
    st.markdown(
        "Start from the template: required columns are marked *. The workbook's "
        "*Data dictionary* sheet explains every column."
    )
    cols = st.columns(len(contract.TABLES) + 1)
    cols[0].download_button(
        "Workbook (XLSX)",
        templates.xlsx_template,
        "epmo_weekly_extract_template.xlsx",
        key="tpl_xlsx",
        icon=":material/download:",
        on_click="ignore",
    )
    for col, t in zip(cols[1:], contract.TABLES, strict=True):
        col.download_button(
            f"{t.name}.csv",
            lambda t=t: templates.csv_template(t),
            f"{t.name}.csv",
            key=f"tpl_{t.name}",
            on_click="ignore",
        )

mappings = ui.page(ledger.documents, snap, ledger.EVERY_WEEK, kind="mapping").documents
saved_specs = dict(zip(mappings["name"], mappings["spec"], strict=True))
mapping_names = sorted(set(saved_specs) | set(shipped()))  # saved on the Mapper page, or shipped


def work_item_options(snap: object) -> WorkItemImport | None:
    """A team's Jira or flow-tool export: detected from its header row; the workflow (which
    statuses are started and done, Jira project keys) and the project id say how to read it."""
    with st.expander("Work items (Jira or flow-tool export)"):
        layout = st.selectbox("Layout", ["Detect", *LAYOUTS], key="upload_wi_layout")
        flows = ui.page(ledger.documents, ui.snapshot(), ledger.EVERY_WEEK, kind="workflow").documents
        wf_name = st.selectbox("Workflow", ["(status names)", *flows["name"]], key="upload_wi_workflow")
        # a Jira CSV says when an item was done, not when work on it started: the history
        # of its status changes gives both (cycle times), as `ingest --history` does
        history = st.file_uploader(
            "Status history (optional: exact start and done dates)",
            type=["csv", "txt", "tsv"],
            key="upload_wi_history",
            max_upload_size=current().limits.max_file_mb,
            help="One row per status change: issue key, from status, to status, timestamp "
            "(a Jira changelog export). Without it, cycle times have only the items still in progress.",
        )
    if layout == "Detect" and wf_name == "(status names)" and history is None:
        return None  # the project id alone: epmo.ingest.for_project says where it goes
    wf = None
    if wf_name != "(status names)":
        wf = Workflow.from_json(flows.loc[flows["name"] == wf_name, "spec"].iloc[0])
    return WorkItemImport(
        layout=None if layout == "Detect" else layout,
        workflow=wf,
        history=(history.name, history.getvalue()) if history is not None else None,
    )


def _options_key(work_items: WorkItemImport | None) -> str:
    """The work-item options as part of the check's key (a history file by its digest)."""
    if work_items is None:
        return "None"
    history = work_items.history
    digest = (history[0], hashlib.sha256(history[1]).hexdigest()) if history else None
    return repr((work_items.layout, work_items.workflow, work_items.project_id, digest))


left, right = st.columns([2, 1])
with right:
    # the default set once through the session, so that "Report it for the week the file
    # says" (below) can set it too
    st.session_state.setdefault("upload_as_of", latest_reporting_day())
    as_of = st.date_input(
        "As-of (reporting week)",
        key="upload_as_of",
        format=ui.DATE_INPUT_FORMAT,
        help="The week this extract reports on; default the latest Friday.",
    )
    mapping_name = st.selectbox(
        "Column mapping",
        ["(template headers)", *mapping_names],
        key="upload_mapping",
        help="For another tool's export: a saved mapping renames its columns and values to the contract's.",
    )
    project = st.text_input(
        "EPMO project id (optional)",
        key="upload_project",
        help="The project every row of the file is for, when the file does not say it as the EPMO "
        "does: a Microsoft Project plan titled with the project's name, a Jira export, a file of "
        "one project. Blank: the file's own project_id column (a plan: its title).",
    )
    st.text(f"Recorded as {identity.email}")  # the signed-in identity, never a typed email
    work_items = work_item_options(snap)
if access.decision(identity, "upload") == access.OWN:
    # on the whole store (a pm may manage a project outside the portfolios they read), read
    # once per store version for every session (ui.project_owners)
    mine = access.managed_by(identity.email, ui.project_owners()[0])
    teams = md(", ".join(identity.teams) or "none")  # ids, teams, portfolios: typed text
    st.info(
        f"As a project manager you may submit rows for your projects ({len(mine)}): "
        + (md(", ".join(mine)) or "none yet")
        + f", and for new project ids; capacity for your teams: {teams}. "
        "Rows for anyone else's project are refused, each with the reason, and nothing is stored.",
        icon=":material/badge:",
    )
elif access.decision(identity, "upload") == access.PORTFOLIOS and identity.scope is not None:
    st.info(
        "As an analyst you may import rows for the projects of your portfolios ("
        + (md(", ".join(identity.scope)) or "none")
        + "), new ones included; capacity, which is kept per team, is imported by an EPMO admin. "
        "Rows outside them are refused, each with the reason, and nothing is stored.",
        icon=":material/badge:",
    )
with left:
    uploaded = st.file_uploader(
        "Weekly extract",
        type=["csv", "txt", "tsv", "xlsx", "xlsm", "zip", "xml"],
        key="upload_file",
        max_upload_size=current().limits.max_file_mb,  # the limit the reader enforces (settings)
        help="The template (CSV, XLSX, or a ZIP of CSVs), a pre-filled workbook from My projects, "
        "a Jira export, or a Microsoft Project plan saved as XML (with the msproject mapping).",
    )

if uploaded is None:
    st.stop()

data = uploaded.getvalue()
mapping = None
if mapping_name != "(template headers)":
    mapping = resolve(saved_specs, mapping_name)
mapping, work_items = for_project(uploaded.name, data, project, mapping, work_items)
file_key = (
    hashlib.sha256(data).hexdigest()
    + str(as_of)
    + str(mapping_name)
    + repr(project.strip())
    + _options_key(work_items)
    + identity.email
)
stored = st.session_state.pop("_upload_stored", None)  # said once, on the run after the commit
if stored and stored[0] == file_key:  # this very file, just committed: said so, no second commit
    st.success(stored[1], icon=":material/cloud_done:")
    st.caption("To send another file, remove this one above and choose the next.")
    st.stop()
check_key = file_key + snap.key
if st.session_state.get("_check_key") != check_key:
    with st.spinner("Validating..."):
        st.session_state._check = ingest(
            ui.store(),
            uploaded.name,
            data,
            as_of=as_of if isinstance(as_of, dt.date) else None,
            mapping=mapping,
            work_items=work_items,
            dry_run=True,
            identity=identity,
        )
    st.session_state._check_key = check_key
outcome = st.session_state._check
report = outcome.report

rows = (
    ", ".join(
        f"{labels.text('table_name', t)}: {labels.count(n, 'row')}" for t, n in report.row_counts.items()
    )
    or "no tables"
)
if report.ok and outcome.duplicate_of:  # stored already (and not retracted): nothing to commit
    st.info(
        f"**{md(uploaded.name)}** is already stored for the week of {outcome.as_of_date:%d %b %Y} "
        f"(upload `{outcome.duplicate_of}`). Nothing to commit; see it in Submissions.",
        icon=":material/cloud_done:",
    )
    st.stop()
if report.ok:
    st.success(
        f"**{md(uploaded.name)}** is valid: {rows}. "
        f"{labels.count(report.total_warnings, 'warning')}. Review the changes, then commit.",
        icon=":material/check_circle:",
    )
else:
    st.error(
        f"**{md(uploaded.name)}** cannot be stored: {labels.count(report.total_errors, 'error')}, "
        f"{labels.count(report.total_warnings, 'warning')}. Fix them in your file and upload it again. "
        "Nothing was stored.",
        icon=":material/error:",
    )
    if outcome.file_week is not None:  # the file says another week than the one chosen
        st.button(
            f"Report it for the week of {outcome.file_week:%d %b %Y}, as the file says",
            key="upload_use_file_week",
            icon=":material/event:",
            on_click=st.session_state.update,
            kwargs={"upload_as_of": outcome.file_week},
        )

if report.issues:
    issues = pd.DataFrame(
        [
            {
                "severity": i.severity,
                "file": i.file,
                "sheet": i.sheet,
                "row": i.row,
                "column": i.column,
                "cell": i.cell,
                "value": i.value,
                "problem": i.message,
                "rule": i.rule,
            }
            for i in report.issues
        ]
    )
    st.subheader("Validation report")
    # one file (and no sheets, or one): said once in the caption, its columns left out, so
    # that the problem, the column a person reads first, keeps the width (downloads keep all)
    same = [c for c in ("file", "sheet") if issues[c].nunique() <= 1]
    if same:
        where = " · ".join(f"{c.title()}: {issues[c].iloc[0]}" for c in same if issues[c].iloc[0])
        if where:
            st.caption(md(where))
    shown = {
        c: c.title() for c in ("severity", "file", "sheet", "row", "column", "cell", "value") if c not in same
    }
    # the problems wrap, read whole at any width (a grid cut them at 1024 px); the rule's
    # name is in the downloads, and its words in "The rules" below
    ui.text_table(issues.astype({"row": "Int64"}), {**shown, "problem": "Problem"})
    ui.downloads(issues, f"validation_report_{uploaded.name}", "report")
    with st.expander("The rules"):
        ui.table(ledger.rules())

if not report.ok:
    st.stop()

st.subheader("What changes against what is stored")
st.caption(
    f"Each project's report in force for the week of {outcome.as_of_date:%d %b %Y}: an earlier "
    "upload of the same week, else its last report."
    if outcome.as_of_date
    else "Each project's last report."
)
changes = outcome.preview.get("project_changes")
row_changes = outcome.preview.get("row_changes")
c1, c2 = st.columns([3, 2])
with c1:
    if changes is not None and len(changes):
        ui.table(changes, key="changes_table")
    else:
        st.caption("No project fields change.")
with c2:
    if row_changes is not None and len(row_changes):
        ui.table(row_changes, key="row_changes_table")

if st.button("Commit upload", type="primary", key="commit", icon=":material/cloud_upload:"):
    try:
        # the validated outcome is committed: only what the store may have changed since is checked again
        result = commit(
            ui.store(),
            outcome,
            uploaded.name,
            data,
            mapping=mapping,
            work_items=work_items,
            identity=identity,
        )
    except StoreWriteError as exc:  # disk full, read-only: said in words, nothing saved
        st.error(md(exc), icon=":material/error:")
        st.stop()
    if result.status == ACCEPTED:
        message = (
            f"Stored as upload `{result.upload_id}` for the week of "
            f"{result.as_of_date:%d %b %Y}. It is in the Submissions ledger."
        )
        st.session_state.pop("_check_key", None)
        st.session_state["_upload_stored"] = (file_key, message)
        st.rerun()  # the page again, without the verdict and the commit button of before
    elif result.status == DUPLICATE:
        st.info(
            f"This exact file was already stored for that week (upload "
            f"`{result.duplicate_of}`). Nothing new was written."
        )
    else:
        st.error("The upload was rejected on commit. " + md(result.report.summary()))
