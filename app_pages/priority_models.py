"""Scoring models: see how each model scores, edit weights (or AHP comparisons), save versions."""

import json

import pandas as pd
import streamlit as st

from app_pages import _priority as pr
from app_pages import _shared as ui
from epmo import labels, priority
from epmo.pagedata import priority as pages
from epmo.priority import models
from epmo.safe_text import md

snap = ui.snapshot()
f = ui.sidebar(snap)
st.title("Scoring models")
st.caption(
    "Built-in: **weighted** (default), **wsjf** (SAFe: cost of delay / job size) and **rice** "
    "(reach × impact × confidence / effort). Saved models keep every version; rankings say "
    "which version produced them."
)

base = pr.pick_model(snap, f, "Start from", "mdl_base")
st.caption(f"{md(base.label)}: {md(base.description) or 'no description'}")

c1, c2 = st.columns([2, 5])  # the type's name fits at 1024 px
kind = c1.selectbox(
    "Type",
    list(models.TYPES),
    index=list(models.TYPES).index(base.type),
    format_func=lambda t: labels.text("model_type", t),
    key=f"mdl_type_{base.name}",
)
description = c2.text_input("Description", base.description, key=f"mdl_desc_{base.name}")

spec: dict[str, object] = {"type": kind, "description": description}
if kind == "weighted":
    start = (
        pd.DataFrame([vars(c) for c in base.criteria])
        if base.type == "weighted"
        else pd.DataFrame(
            [
                {
                    "column": "strategic_alignment",
                    "weight": 1.0,
                    "direction": "higher",
                    "normalisation": "minmax",
                }
            ]
        )
    )
    st.subheader("Criteria")
    edited = st.data_editor(
        start,
        num_rows="dynamic",
        hide_index=True,
        key=f"mdl_criteria_{base.name}",
        column_config={
            "column": st.column_config.SelectboxColumn(
                "Project column",
                options=list(models.NUMERIC_COLUMNS),
                format_func=labels.label,
                required=True,
            ),
            "weight": st.column_config.NumberColumn("Weight", min_value=0.0, step=0.05, required=True),
            "direction": st.column_config.SelectboxColumn(
                "Better when",
                options=list(models.DIRECTIONS),
                format_func=lambda d: labels.text("direction", d),
                required=True,
            ),
            "normalisation": st.column_config.SelectboxColumn(
                "Normalisation",
                options=list(models.NORMALISATIONS),
                format_func=lambda n: labels.text("normalisation", n),
                required=True,
            ),
        },
    )
    edited = edited.dropna(subset=["column"])
    total = float(pd.to_numeric(edited["weight"], errors="coerce").fillna(0).sum())
    if total > 0:
        st.caption(
            "Weights normalised to 100 %: "
            + ", ".join(
                f"{labels.label(c)} {100 * float(w) / total:.1f} %"
                for c, w in zip(edited["column"], edited["weight"], strict=True)
            )
        )
    spec["criteria"] = [
        {
            "column": r["column"],
            "weight": float(r["weight"]) if pd.notna(r["weight"]) else 0.0,
            "direction": r["direction"] or "higher",
            "normalisation": r["normalisation"] or "none",
        }
        for r in edited.to_dict("records")
    ]
    use_ahp = st.toggle(
        "Weights from pairwise comparisons (AHP)", value=bool(base.ahp_matrix), key=f"mdl_ahp_{base.name}"
    )
    if use_ahp and len(edited):
        names = edited["column"].tolist()
        st.caption(
            "How much more important is the row criterion than the column criterion? "
            "1 = equal, 3 = moderately, 5 = strongly, 7 = very strongly, 9 = extremely; "
            "fill the upper triangle, the rest is the reciprocal."
        )
        n = len(names)
        prior = (
            base.ahp_matrix
            if len(base.ahp_matrix) == n
            else tuple(tuple(1.0 for _ in range(n)) for _ in range(n))
        )
        shown = [labels.label(c) for c in names]  # the grid reads as the criteria do
        upper = pd.DataFrame([list(r) for r in prior], index=shown, columns=shown)
        grid = st.data_editor(upper, key=f"mdl_ahp_grid_{base.name}_{n}", disabled=False)
        matrix = [[1.0] * n for _ in range(n)]
        for i in range(n):
            for j in range(i + 1, n):
                v = (
                    float(grid.iloc[i, j])
                    if pd.notna(grid.iloc[i, j]) and float(grid.iloc[i, j]) > 0
                    else 1.0
                )
                matrix[i][j], matrix[j][i] = v, 1.0 / v
        spec["ahp"] = {"matrix": matrix}
        try:
            ahp = models.ahp_weights(matrix)
            st.caption(
                "AHP weights: "
                + ", ".join(f"{c} {100 * w:.1f} %" for c, w in zip(shown, ahp.weights, strict=True))
                + f". Consistency ratio {ahp.consistency_ratio:.3f}."
            )
            if not ahp.is_consistent:
                st.warning(
                    f"The comparisons are inconsistent (consistency ratio {ahp.consistency_ratio:.2f} is above "
                    "0.10): revisit the judgements before relying on these weights."
                )
        except models.ModelError as exc:
            st.error(md(exc))

m1, m2 = st.columns(2)
should = m1.number_input(
    "MoSCoW: top % of the others labelled Should",
    0.0,
    100.0,
    base.should_top_pct,
    key=f"mdl_should_{base.name}",
)
could = m2.number_input(
    "… down to this % labelled Could (the rest Won't)",
    0.0,
    100.0,
    base.could_top_pct,
    key=f"mdl_could_{base.name}",
)
spec["moscow"] = {"should_top_pct": should, "could_top_pct": could}

with st.expander("Model JSON (the format `--model-file` reads)"):
    st.code(json.dumps(spec, indent=1), language="json")

# a row that wraps, not columns: a fifth of the page cut the button to "Save …" at 1024 px
row = st.container(horizontal=True, vertical_alignment="bottom", wrap=True)
name = row.text_input("Save as (name)", "" if base.version == 0 else base.name, key="mdl_name")
row.text(f"Saved by {ui.current_identity().email}", width="content")
if row.button(
    "Save model", key="mdl_save", icon=":material/save:", disabled=not ui.allowed("model"), width="content"
):
    try:
        saved = priority.save_model(ui.store(), name, spec, ui.require("model"))
        st.success(f"Saved {md(saved.label)}.")
        snap = ui.snapshot()
    except models.ModelError as exc:
        st.error(md(exc))

if base.version:
    st.subheader(f"Versions of {md(base.name)}")
    versions = ui.page(pages.versions, snap, f, name=base.name)
    ui.table(versions[["version", "saved_at", "saved_by", "spec"]], key="mdl_versions")
else:
    st.subheader("Saved models")
    saved_rows = pr.model_choices(snap, f).saved
    if saved_rows.empty:
        st.caption("None yet.")
    else:
        ui.table(saved_rows[["name", "version", "saved_at", "saved_by"]], key="mdl_saved")
ui.show_sql(pr.model_choices(snap, f).sql["versions"])
