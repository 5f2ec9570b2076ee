"""`python -m epmo ...`"""

import sys

if sys.argv[1:2] in (["ingest"], ["validate"]):
    # the parse child starts now, its start overlapping this process's imports (epmo.cli
    # imports the store, DuckDB, pandas, Delta: about a second)
    from epmo import isolate

    isolate.start_early()

from epmo.cli import main  # noqa: E402

sys.exit(main())
