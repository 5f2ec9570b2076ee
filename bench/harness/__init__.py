"""The benchmark (issue 7): ingestion, every page's data work (warm and cold), the pandas
reference, the app's peak memory and browser chart timing, in one run.

Run: `python -m epmo bench [--scale medium|large] [--quick] [--out DIR]` or `make bench`.
Results: bench/results/latest.json and docs/benchmarks.md. No streamlit imported here.
"""

from __future__ import annotations

DEMO_SEED = 7
