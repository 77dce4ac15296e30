#!/bin/sh
# Evaluate intermediate weights of both runs on a subset of the eval split (small, to leave
# the CPU to training). Usage (from the repository root):
#   tools/train/evaluate_checkpoints.sh SMALL_STEP LARGE_STEP [LIMIT]
set -eu
S=$(printf %05d "$1"); L=$(printf %05d "$2"); LIMIT=${3:-30}
RUNS=tools/train/runs; OUT=$RUNS/checkpoint-eval/small$S-large$L
mkdir -p "$OUT"
for size in small large; do
  if [ $size = small ]; then STEP=$S; else STEP=$L; fi
  nice -n 10 /usr/bin/python3 tools/train/py/export_gguf.py --ckpt $RUNS/$size/weights-step$STEP.pt \
    --tokenizer $RUNS/tokenizer/tokenizer.model --out "$OUT/$size.gguf" --name "specsteer-$size-step$STEP" >/dev/null
done
cd tools/train && nice -n 10 npx -y pnpm@12.4.2 exec tsx src/evaluate.ts --small "../../$OUT/small.gguf" --large "../../$OUT/large.gguf" \
  --eval ../../$RUNS/corpus-snapshot/eval.jsonl --limit "$LIMIT" --json "../../$OUT/evaluation.json" | tee "../../$OUT/table.md"
