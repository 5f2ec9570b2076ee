#!/bin/sh
# A/B of the load figures: the same load command as docs/benchmarks.md's final run (30
# sessions, realistic mix, an upload every 5 s, store on loopback S3), against two checkouts
# back to back, for one and then two replicas, interleaved so both see the same machine.
#
#   sh bench/load_ab.sh BEFORE_CHECKOUT AFTER_CHECKOUT [OUT]     (about 8 minutes)
#
# e.g. `git worktree add --detach /tmp/before main` then
# `sh bench/load_ab.sh /tmp/before "$PWD" bench/results/load/swr`; each checkout needs .venv.
set -u
BEFORE=$1
AFTER=$2
OUT=$(realpath -m "${3:-bench/results/load/ab}")
mkdir -p "$OUT"
: > "$OUT/run.txt"
for r in 1 2; do
  for side in before after; do
    if [ "$side" = before ]; then cd "$BEFORE"; else cd "$AFTER"; fi
    echo "$side r=$r start $(date -u '+%Y-%m-%d %H:%M:%S') commit $(git rev-parse --short HEAD); $(uptime)" >> "$OUT/run.txt"
    .venv/bin/python bench/load.py --store s3 --sessions 30 --replicas "$r" --mix realistic --think 30 \
      --ramp 30 --seconds 50 --upload-every 5 --page-timeout 60 --json "$OUT/${side}_30_$r.json" \
      > "$OUT/${side}_30_$r.log" 2>&1
    echo "$side r=$r exit $? end $(date -u '+%H:%M:%S'); $(uptime)" >> "$OUT/run.txt"
  done
done
cd "$AFTER" && .venv/bin/python bench/load.py --table "$OUT"/before_30_1.json "$OUT"/after_30_1.json \
  "$OUT"/before_30_2.json "$OUT"/after_30_2.json > "$OUT/table.md"
cat "$OUT/run.txt" "$OUT/table.md"
