#!/bin/sh
# Launch (or resume) both training runs in the background, one per core.
# Usage: tools/train/launch.sh [DEADLINE HH:MM]   (run from the repository root)
set -eu
DEADLINE=${1:-11:28}
DATA=data/personaworld
RUNS=tools/train/runs
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
for size in small large; do
  case $size in
    small) corpus=$DATA/train-small.jsonl; lr=3e-3 ;;
    large) corpus=$DATA/train-large.jsonl; lr=2e-3 ;;
  esac
  mkdir -p $RUNS/$size
  nohup /usr/bin/python3 tools/train/py/train.py --corpus $corpus --tokenizer $RUNS/tokenizer/tokenizer.model \
    --run-dir $RUNS/$size --preset $size --lr $lr --deadline "$DEADLINE" --slack 0.85 \
    --eval-texts $RUNS/eval-texts.jsonl --snapshot-every 100 >>$RUNS/$size/stdout.log 2>&1 &
  echo "$size: pid $!"
done
