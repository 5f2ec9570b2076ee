#!/bin/sh
# The load figures of docs/benchmarks.md ("Load and capacity model"), from one run:
# 30 and 100 sessions against one process and against two replicas, the store on a
# loopback S3 server (moto), the realistic mix (think time mean 30 s) with an upload every
# 5 s; then the sweep for the sessions one core serves at a p95 of 2 s (stress mix, one
# replica pinned to one CPU). Writes one JSON per run and the table into OUT.
#
#   sh bench/load_matrix.sh [OUT]        (about 14 minutes; run it on a quiet machine)
set -u
cd "$(dirname "$0")/.."
OUT=${1:-bench/results/load}
PY=.venv/bin/python
mkdir -p "$OUT"
{
  echo "started $(date -u '+%Y-%m-%d %H:%M:%S') UTC; $(uptime)"
  echo "commit $(git rev-parse --short HEAD)"
} > "$OUT/run.txt"
for n in 30 100; do
  for r in 1 2; do
    $PY bench/load.py --store s3 --sessions "$n" --replicas "$r" --mix realistic --think 30 \
      --ramp 30 --seconds 50 --upload-every 5 --page-timeout 60 --json "$OUT/s3_${n}_sessions_${r}_replicas.json" \
      > "$OUT/s3_${n}_sessions_${r}_replicas.log" 2>&1
    echo "$n sessions x $r replicas: exit $? at $(date -u '+%H:%M:%S'); $(uptime)" >> "$OUT/run.txt"
  done
done
$PY bench/load.py --store s3 --sweep --mix stress --think 2 --sessions 64 --sweep-start 4 --sweep-steps 5 \
  --ramp 10 --seconds 25 --upload-every 5 --page-timeout 60 --json "$OUT/sweep.json" > "$OUT/sweep.log" 2>&1
echo "sweep: exit $? at $(date -u '+%H:%M:%S'); $(uptime)" >> "$OUT/run.txt"
$PY bench/load.py --table "$OUT"/s3_*.json "$OUT/sweep.json" > "$OUT/table.md"
cat "$OUT/run.txt" "$OUT/table.md"
