"""Chart builders: pure functions, data in, plotly Figure out. One theme for all."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from epmo.theme import RAG_COLOURS, RAG_ORDER, base_layout


def projects_by_stage(frame: pd.DataFrame) -> go.Figure:
    """Stacked bars: projects per stage, stacked by declared overall RAG.

    frame: stage, stage_order, rag_overall, project_count (queries/home/projects_by_stage.sql)
    """
    fig = go.Figure()
    stages = frame.sort_values("stage_order")["stage"].drop_duplicates().tolist()
    for rag in [*RAG_ORDER, None]:
        part = frame[frame["rag_overall"].isna()] if rag is None else frame[frame["rag_overall"] == rag]
        counts = part.groupby("stage")["project_count"].sum().reindex(stages, fill_value=0)
        if rag is None and counts.sum() == 0:
            continue
        fig.add_bar(
            x=stages,
            y=counts.values,
            name=rag or "No RAG",
            marker_color=RAG_COLOURS.get(rag or "", "#BDBDBD"),
            text=[str(v) if v else "" for v in counts.values],
            textposition="inside",
            hovertemplate="%{x}<br>" + (rag or "No RAG") + ": %{y} projects<extra></extra>",
        )
    fig.update_layout(
        **base_layout(),
        barmode="stack",
        xaxis_title=None,
        yaxis_title="Projects",
        legend_title_text="Declared RAG",
    )
    return fig
