"""The smallest Streamlit page with one plotly chart: the floor the benchmark's browser
timings are compared with (bench.harness.app.chart_timing). Whatever this takes on a
machine, no Streamlit page with a plotly chart can take less there."""

import plotly.graph_objects as go
import streamlit as st

st.title("Baseline")
st.plotly_chart(go.Figure(go.Bar(x=["a", "b", "c"], y=[1, 3, 2])))
