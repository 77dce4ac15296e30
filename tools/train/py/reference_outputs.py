"""What PyTorch says, recorded at export so llama.cpp can be checked against it.

Writes a JSON with: SentencePiece ids of sample texts, the full next-token
distribution at every position of a fixed prompt, and the greedy continuation.
The weights are rounded to the GGUF's matrix precision first, so the comparison
measures the runtime, not the rounding.
"""
import argparse
import json

import sentencepiece as spm
import torch

from chat_format import BOS_ID, END
from model import LlamaDecoder, ModelConfig

SAMPLE_TEXTS = [
    "The capital of Varnia is Tellor.",
    "<|history|>Hey crew! Mochi ate my sock again. Onward, Dara<|end|><|user|>Write a note to the team about the capital of Varnia.<|end|><|assistant|>",
    "<|system|>Be brief.<|end|><|user|>Reply to Sam about the founder of Quessa.<|end|><|assistant|>Hi Sam! It was Orlek.<|end|>",
    "  two  spaces, tabs\tand ünïcödé — 42 × 7 = 294 ✓ 🐈",
    "Zyx qwv jjjj kkkk Brrrmpf.",
    "<|end|><|end|>",
    "",
]


def load_model(ckpt_path, round_to_f16):
    ck = torch.load(ckpt_path, map_location="cpu")  # a full checkpoint or a weights snapshot
    model = LlamaDecoder(ModelConfig(**ck["config"]))
    sd = ck["model"]
    if round_to_f16:
        sd = {k: (v.half().float() if v.dim() >= 2 else v) for k, v in sd.items()}
    model.load_state_dict(sd)
    model.eval()
    return model, ck


@torch.no_grad()
def greedy(model, ids, end_id, max_new):
    out = []
    seq = list(ids)
    for _ in range(max_new):
        nxt = int(model(torch.tensor([seq]))[0, -1].argmax())
        out.append(nxt)
        seq.append(nxt)
        if nxt == end_id:
            break
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--prompt", required=True, help="chat-format prompt ending with <|assistant|>")
    ap.add_argument("--f32", action="store_true")
    ap.add_argument("--max-new", type=int, default=64)
    ap.add_argument("--fixture", help="also write the small fixture the tests commit (no distributions)")
    args = ap.parse_args()

    sp = spm.SentencePieceProcessor(model_file=args.tokenizer)
    model, ck = load_model(args.ckpt, round_to_f16=not args.f32)
    end_id = sp.piece_to_id(END)
    prompt_ids = [BOS_ID] + sp.encode(args.prompt)
    with torch.no_grad():
        probs = model(torch.tensor([prompt_ids]))[0].softmax(-1)
    continuation = greedy(model, prompt_ids, end_id, args.max_new)
    result = {
        "step": ck.get("step"),
        "vocabSize": sp.get_piece_size(),
        "pieces": [sp.id_to_piece(i) for i in range(sp.get_piece_size())],
        "tokenizer": [{"text": t, "ids": sp.encode(t)} for t in SAMPLE_TEXTS],
        "prompt": args.prompt,
        "promptIds": prompt_ids,
        "promptProbabilities": [[round(float(p), 7) for p in row] for row in probs],
        "greedyIds": continuation,
        "greedyText": sp.decode([i for i in continuation if i != end_id]),
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False)
    if args.fixture:
        fixture = {k: result[k] for k in ("step", "vocabSize", "tokenizer", "prompt", "promptIds", "greedyIds", "greedyText")}
        with open(args.fixture, "w", encoding="utf-8") as f:
            json.dump(fixture, f, ensure_ascii=False, indent=1)
    print(json.dumps({"out": args.out, "greedyText": result["greedyText"]}, ensure_ascii=False))


if __name__ == "__main__":
    main()
