#!/usr/bin/env bash
# Run the whole pytest suite with the machine's clock moved to other days (libfaketime,
# Debian package 'faketime'), to prove that no test depends on the day it runs: the
# product reads the calendar only through epmo.clock, which the tests pin.
#   scripts/test_dates.sh ["YYYY-MM-DD HH:MM:SS" ...]   (UTC; defaults below)
#   PYTEST_ARGS="tests/unit -x" scripts/test_dates.sh    (a part of the suite)
# Default days: a year end that crosses midnight during the run, a Monday, a leap day.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v faketime >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y -qq faketime >/dev/null
  else
    echo "faketime is not installed: sudo apt-get install faketime" >&2
    exit 2
  fi
fi
days=("$@")
[ ${#days[@]} -gt 0 ] || days=("2026-12-31 23:55:00" "2027-03-01 09:00:00" "2028-02-29 12:00:00")
status=0
for day in "${days[@]}"; do
  offset=$(( $(date -u -d "$day" +%s) - $(date -u +%s) ))
  echo "== pytest with the clock at $day UTC (offset ${offset}s)"
  # Relative offset: every process (xdist workers, streamlit, Chromium) sees the same moved
  # clock and it keeps running. Monotonic clocks move by the same constant offset (with
  # FAKETIME_DONT_FAKE_MONOTONIC, libfaketime 0.9.10 makes Python's time.sleep fail: EINVAL).
  sign="+"; [ "$offset" -lt 0 ] && sign=""
  faketime -f "${sign}${offset}s" .venv/bin/python -c \
    "import datetime; print('   python sees', datetime.datetime.now(datetime.UTC).isoformat(timespec='seconds'))"
  if ! faketime -f "${sign}${offset}s" .venv/bin/python -m pytest -q ${PYTEST_ARGS:-}; then
    echo "!! the suite failed with the clock at $day"
    status=1
  fi
done
exit $status
