#!/bin/sh
# Export the pair to GGUF with the tokenizer, record PyTorch/SentencePiece references,
# and check both files in node-llama-cpp against them.
# Usage (from the repository root):
#   tools/train/export_pair.sh SMALL_CKPT LARGE_CKPT OUT_DIR NAME_PREFIX
#   e.g. tools/train/export_pair.sh tools/train/runs/small/ckpt.pt tools/train/runs/large/ckpt.pt models specsteer-
# Matrices are written in f32: the pair is ~18 MB that way (under the 40 MB budget), and
# the comparison is then with the trained weights themselves, not an f16 rounding of them.
set -eu
SMALL=$1; LARGE=$2; OUT=$3; PREFIX=${4:-}
TOK=tools/train/runs/tokenizer/tokenizer.model
EVAL=${EVAL:-data/personaworld/eval.jsonl}
REF=tools/train/runs/reference
# The check prompt: the device context of the first eval task (private history + public request).
PROMPT=$(/usr/bin/python3 -c "
import json,sys; sys.path.insert(0,'tools/train/py')
t=json.loads(open('$EVAL').readline())
print(''.join('<|history|>'+m+'<|end|>' for m in t['history'])+'<|user|>'+t['request']+'<|end|><|assistant|>')")
mkdir -p "$OUT" "$REF"
cp "$TOK" "$OUT/tokenizer.model"
for size in small large; do
  if [ $size = small ]; then CKPT=$SMALL; else CKPT=$LARGE; fi
  /usr/bin/python3 tools/train/py/export_gguf.py --ckpt "$CKPT" --tokenizer "$TOK" \
    --out "$OUT/${PREFIX}$size.gguf" --name "specsteer-$size" --f32
  /usr/bin/python3 tools/train/py/reference_outputs.py --ckpt "$CKPT" --tokenizer "$TOK" \
    --prompt "$PROMPT" --f32 --out "$REF/$size.json" --fixture "$OUT/${PREFIX}$size.fixture.json"
  # Once with llama.cpp's defaults (f16 KV cache: what the verifier runs), once in f32 throughout.
  for kv in "" --f32-attention; do
    (cd tools/train && npx -y pnpm@12.4.2 exec tsx src/check-export.ts "../../$OUT/${PREFIX}$size.gguf" "../../$REF/$size.json" $kv) \
      | tee "$REF/$size.check$kv.json"
  done
done
