"""Mapper: any export beside the data contract; per column a target or ignore, date format,
unit scale, value map, default or fallback column; combine columns; a preview of the first
rows as they would be stored. Saved per source (every version kept), then chosen on the
Upload page or with `python -m epmo ingest --mapping NAME`."""

import datetime as dt
import hashlib
from dataclasses import asdict, replace

import pandas as pd
import streamlit as st

from app_pages import _shared as ui
from epmo import access, contract, mapper
from epmo.ingest import latest_reporting_day
from epmo.mapping import Mapping, resolve, shipped
from epmo.pagedata import ledger
from epmo.report import RejectedFile
from epmo.safe_text import md
from epmo.settings import current

snap = ui.snapshot()
st.title("Mapper")
st.caption(
    "Bring another tool's export in without editing it: choose what each column means, and see "
    "the first rows as they would be stored. An explicit choice beats the built-in synonyms."
)
saved = ui.page(ledger.documents, snap, ledger.EVERY_WEEK, kind="mapping").documents
saved_specs = dict(zip(saved["name"], saved["spec"], strict=True))
names = sorted(set(saved_specs) | set(shipped()))

top = st.columns([3, 2])
uploaded = top[0].file_uploader(
    "An export (CSV, XLSX, JSON, a Microsoft Project XML plan, or a ZIP of CSV or JSON files)",
    type=["csv", "txt", "tsv", "xlsx", "xlsm", "zip", "json", "xml"],
    key="mapper_file",
    max_upload_size=current().limits.max_file_mb,  # the limit the reader enforces (settings)
)
start = top[1].selectbox(
    "Start from", ["(new mapping)", *names], key="mapper_start", help="A saved or shipped mapping to edit."
)
base = (resolve(saved_specs, start) if start != "(new mapping)" else None) or Mapping()
if start in saved_specs:
    latest = saved[saved["name"] == start].iloc[0]
    top[1].caption(
        f"Version {int(latest['version'])}, saved {latest['saved_at']:%d %b %Y} by {md(latest['saved_by'] or '?')}."
    )
elif start != "(new mapping)":
    top[1].caption("Shipped with the product; saving makes your own version.")
if base.source:
    top[1].caption(md(base.source))
if uploaded is None:
    st.info("Upload an export to map its columns.")
    st.stop()

data = uploaded.getvalue()
digest = hashlib.sha256(data).hexdigest()
if st.session_state.get("_mapper_digest") != digest:
    try:
        st.session_state._mapper_sheets = mapper.read(uploaded.name, data)
        st.session_state._mapper_error = ""
    except RejectedFile as exc:
        st.session_state._mapper_sheets = []
        st.session_state._mapper_error = exc.issue.message
    st.session_state._mapper_digest = digest
if st.session_state._mapper_error:
    st.error(md(st.session_state._mapper_error), icon=":material/error:")
    st.stop()
sheets = st.session_state._mapper_sheets

sheet_names = [s.sheet or s.file for s in sheets]
c = st.columns(5 if len(sheets) > 1 else 4)
which = c.pop(0).selectbox("Sheet", sheet_names, key="mapper_sheet") if len(sheets) > 1 else sheet_names[0]
sheet = sheets[sheet_names.index(which)]
tables = ["(recognise)", *contract.TABLE_NAMES]
table = c[0].selectbox(
    "Table", tables, index=tables.index(base.table) if base.table else 0, key="mapper_table"
)
order = c[1].selectbox(
    "Date order",
    ["dmy", "mdy"],
    index=0 if (base.date_order or "dmy") == "dmy" else 1,
    key="mapper_order",
    help="For dates like 03/11/2025: day first (dmy) or month first (mdy).",
)
layout = c[2].selectbox(
    "Records are",
    ["rows", "columns"],
    index=0 if base.layout == "rows" else 1,
    key="mapper_layout",
    help="'columns': one record per column, the field names down the first column.",
)
skip_invalid = c[3].checkbox(
    "Skip invalid rows",
    value=base.skip_invalid_rows,
    key="mapper_skip",
    help="For a one-off import: rows that fail a rule are left out and listed; the rest is stored.",
)
settings = replace(
    base,
    table=None if table == "(recognise)" else table,
    date_order=order,
    layout=layout,
    skip_invalid_rows=skip_invalid,
)
if sheet.skipped:
    st.caption(f"Skipped {md(sheet.skipped)}.")

rows = mapper.choices(sheet, settings)
frame = pd.DataFrame([asdict(r) for r in rows])
edited = st.data_editor(
    frame,
    hide_index=True,
    key=f"mapper_editor_{digest[:8]}_{start}_{layout}",
    disabled=["column", "header", "sample"],
    height=min(38 + 35 * len(frame), 420),
    column_order=[
        "column",
        "header",
        "target",
        "sample",
        "scale",
        "date_format",
        "default",
        "fallback",
        "value_map",
    ],
    column_config={
        "column": st.column_config.TextColumn("Col", width=40),
        "header": st.column_config.TextColumn("Your header", width=220),
        "sample": st.column_config.TextColumn("First values", width=220),
        "target": st.column_config.SelectboxColumn(
            "Contract column", options=mapper.contract_columns(settings.table), required=True, width=170
        ),
        "date_format": st.column_config.TextColumn("Date format", help="strptime, e.g. %B %Y; several: ';'"),
        "scale": st.column_config.SelectboxColumn("Unit", options=list(mapper.SCALES), required=True),
        "default": st.column_config.TextColumn("Default if blank"),
        "fallback": st.column_config.TextColumn("Else use column", help="Other headers, comma-separated"),
        "value_map": st.column_config.TextColumn("Value map", help="On Track=Green; Late=Red"),
    },
)
choices = [mapper.ColumnChoice(**r) for r in edited.to_dict("records")]
mapping = mapper.to_mapping(settings, choices, sheet)

with st.expander("Combine columns, constants"):
    cc = st.columns([2, 3, 1])
    target = cc[0].selectbox(
        "Into", ["(none)", *mapper.contract_columns(mapping.table)[2:]], key="mapper_combine_to"
    )
    sources = cc[1].multiselect("Columns joined", sheet.headers, key="mapper_combine_from")
    sep = cc[2].text_input("Separator", " ", key="mapper_combine_sep")
    if target != "(none)" and sources:
        mapping.combine = dict(mapping.combine) | {target: {"columns": sources, "separator": sep}}
    const_col = cc[0].selectbox("Constant for", ["(none)", *contract.TABLE_NAMES], key="mapper_const_table")
    const_text = cc[1].text_input("column=value; column=value", key="mapper_const_text")
    if const_col != "(none)" and "=" in const_text:
        pairs = dict(p.split("=", 1) for p in const_text.split(";") if "=" in p)
        mapping.constants = dict(mapping.constants) | {
            const_col: {k.strip(): v.strip() for k, v in pairs.items()}
        }

as_of = latest_reporting_day()
shown = st.container()  # the preview, above the toggle that asks for the whole file's check
check_all = st.toggle(
    "Check the whole file", key="mapper_check", help="Every rule, as an upload would (nothing is stored)."
)
view = mapper.view(
    ui.store(),
    uploaded.name,
    data,
    sheets,
    mapping,
    check_all=check_all,
    as_of=as_of if isinstance(as_of, dt.date) else None,
    identity=ui.current_identity(),
)
if view.problems or view.preview is None:
    shown.error(md("; ".join(view.problems)), icon=":material/error:")
    st.stop()
result = view.preview
with shown:
    st.subheader("The first rows as they would be stored")
    if result.table:
        st.caption(
            f"Table **{result.table}**, {result.row_count:,} rows. Columns keep the contract's names "
            "(as they would be stored), not the labels the other pages show."
        )
        st.dataframe(result.rows, hide_index=True, key="mapper_preview", placeholder="")  # blank, not "None"
    else:
        st.warning("No contract table recognised yet: choose the table, or map the key columns.")
if view.issues is not None:
    if len(view.issues):
        ui.table(view.issues, key="mapper_issues")
    else:
        st.success("No problems: the file would be accepted.", icon=":material/check_circle:")

st.subheader("Save")
s = st.columns([2, 2, 1])
name = s[0].text_input("Mapping name (one per source)", value=base.name, key="mapper_name")
s[1].text(f"Saved by {ui.current_identity().email}")
if s[2].button(
    "Save mapping",
    type="primary",
    key="mapper_save",
    icon=":material/save:",
    disabled=not ui.allowed("upload"),
):
    identity = ui.require("upload")
    if not name.strip():
        st.error("Give the mapping a name.")
    else:
        mapping.name = name.strip()
        access.save_document(ui.store(), identity, "mapping", mapping.name, mapping.to_json())
        st.success(
            f"Saved mapping '{md(mapping.name)}'. Choose it on the Upload page.", icon=":material/save:"
        )
with st.expander("The mapping (JSON)"):
    st.json(mapper.spec(mapping))
