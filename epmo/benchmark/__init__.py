"""Benchmarks: ingestion and page timings against their targets (python -m epmo bench)."""
