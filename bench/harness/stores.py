"""Demo stores for the benchmark, built once per scale, seed and demo-code version.

They live under bench/.stores/<scale>-seed<N>-<hash of epmo/demo.py> (gitignored); a store
is used only once its `.complete` marker exists, so an interrupted build is rebuilt.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import time
from pathlib import Path

from epmo import demo, demo_work_items
from epmo.store import Store

ROOT = Path(__file__).resolve().parents[2]
STORES = ROOT / "bench" / ".stores"
DEMO_END = dt.date(2026, 11, 20)


def code_hash() -> str:
    h = hashlib.sha256(Path(demo.__file__).read_bytes())
    h.update(Path(demo_work_items.__file__).read_bytes())  # the demo's agile backlogs
    return h.hexdigest()[:10]


def store_path(scale: str, seed: int, root: Path = STORES) -> Path:
    return root / f"{scale}-seed{seed}-{code_hash()}"


def demo_store(scale: str, seed: int, root: Path = STORES, log: bool = True) -> tuple[str, float | None]:
    """The cached demo store's URI and the seconds it took to build (None when cached)."""
    path = store_path(scale, seed, root)
    marker = path / ".complete"
    if marker.exists():
        return str(path), None
    if path.exists():
        shutil.rmtree(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if log:
        print(f"building the {scale} demo store (seed {seed}) in {path} ...", flush=True)
    t0 = time.perf_counter()
    demo.load_demo(Store(str(path)), scale=scale, seed=seed, end=DEMO_END)
    seconds = time.perf_counter() - t0
    marker.write_text(f"built in {seconds:.1f} s\n", encoding="utf-8")
    return str(path), seconds
