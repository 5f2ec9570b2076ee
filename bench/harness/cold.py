"""One cold page run: `python -m bench.harness.cold STORE_URI AS_OF PAGE` prints one JSON
line with the seconds spent importing, opening the store and doing the page's data work."""

from __future__ import annotations

import time

_T0 = time.perf_counter()

import datetime as dt  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402

from epmo import pagedata  # noqa: E402
from epmo.store import Store  # noqa: E402


def main(argv: list[str]) -> int:
    uri, as_of, page = argv
    imported = time.perf_counter()
    t0 = time.perf_counter()
    con = Store(uri).connect()
    connected = time.perf_counter()
    pagedata.PAGES[page][1](con, pagedata.Filters(dt.date.fromisoformat(as_of)))
    done = time.perf_counter()
    con.close()
    print(json.dumps({"import_s": imported - _T0, "connect_s": connected - t0, "page_s": done - connected}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
