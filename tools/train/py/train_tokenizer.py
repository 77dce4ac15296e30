"""Train the shared SentencePiece BPE vocabulary on the large (union) corpus.

Settings follow tools/train/README.md: with byte fallback, identity
normalization and no whitespace rewriting, llama.cpp tokenizes exactly like
SentencePiece; add_dummy_prefix=False keeps history + public concatenable.
"""
import argparse
import json
import os
import tempfile

import sentencepiece as spm

from chat_format import BOS_ID, CHAT_MARKERS, EOS_ID, UNK_ID


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True, help="train-large.jsonl ({\"text\": ...} per line)")
    ap.add_argument("--out", required=True, help="output prefix, e.g. tools/train/runs/tok/tokenizer")
    ap.add_argument("--vocab-size", type=int, default=1024)
    ap.add_argument("--max-lines", type=int, default=200_000)
    args = ap.parse_args()

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as tmp:
        n = 0
        with open(args.corpus, encoding="utf-8") as f:
            for line in f:
                text = json.loads(line)["text"]
                if "\n" in text:
                    raise ValueError("E_NEWLINE_IN_TEXT: chat-format texts are single-line")
                tmp.write(text + "\n")
                n += 1
                if n >= args.max_lines:
                    break
        path = tmp.name
    try:
        spm.SentencePieceTrainer.train(
            input=path,
            model_prefix=args.out,
            model_type="bpe",
            vocab_size=args.vocab_size,
            byte_fallback=True,
            normalization_rule_name="identity",
            remove_extra_whitespaces=False,
            add_dummy_prefix=False,
            user_defined_symbols=CHAT_MARKERS,
            character_coverage=1.0,
            unk_id=UNK_ID,
            bos_id=BOS_ID,
            eos_id=EOS_ID,
            pad_id=-1,
            max_sentence_length=65536,
            num_threads=1,
            minloglevel=2,
        )
    finally:
        os.unlink(path)
    print(f"tokenizer: {args.out}.model from {n} documents")


if __name__ == "__main__":
    main()
