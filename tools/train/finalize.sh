#!/bin/sh
# After both runs are done: export the final pair to models/, check it against PyTorch,
# and run the full evaluation on the eval split. Usage (from the repository root):
#   tools/train/finalize.sh
set -eu
RUNS=tools/train/runs
# Evaluate on the corpus the runs were trained with, copied (and hashed) when they started.
test -f $RUNS/corpus-snapshot/header.json
for size in small large; do
  grep -q '"kind": "done"' $RUNS/$size/log.jsonl || { echo "E_RUN_NOT_DONE: $size is still training" >&2; exit 1; }
done
EVAL=$RUNS/corpus-snapshot/eval.jsonl tools/train/export_pair.sh $RUNS/small/ckpt.pt $RUNS/large/ckpt.pt models specsteer-
mkdir -p $RUNS/final
cd tools/train && npx -y pnpm@12.4.2 exec tsx src/evaluate.ts --eval ../../$RUNS/corpus-snapshot/eval.jsonl \
  --json ../../$RUNS/final/evaluation.json | tee ../../$RUNS/final/table.md
