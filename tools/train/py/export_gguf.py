"""Export a checkpoint to a llama GGUF with the SentencePiece tokenizer embedded.

`<|end|>` is both eos and eot so that llama.cpp stops on it; the chat markers
stay USER_DEFINED so llama.cpp splits them out of plain text like SentencePiece.
"""
import argparse
import json

import numpy as np
import sentencepiece as spm
import torch

import gguf_writer as g
from chat_format import BOS_ID, CHAT_MARKERS, END, UNK_ID

# llama.cpp token types
NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6


def token_table(sp: spm.SentencePieceProcessor):
    tokens, scores, types = [], [], []
    for i in range(sp.get_piece_size()):
        piece = sp.id_to_piece(i)
        tokens.append(piece)
        scores.append(sp.get_score(i))
        if sp.is_unknown(i):
            types.append(UNKNOWN)
        elif sp.is_control(i):
            types.append(CONTROL)
        elif sp.is_byte(i):
            types.append(BYTE)
        elif sp.is_unused(i):
            types.append(UNUSED)
        elif piece in CHAT_MARKERS:
            types.append(USER_DEFINED)
        else:
            types.append(NORMAL)
    return tokens, scores, types


def export(ckpt_path, tokenizer_path, out_path, name, f16=True):
    ck = torch.load(ckpt_path, map_location="cpu")
    cfg, sd = ck["config"], ck["model"]
    sp = spm.SentencePieceProcessor(model_file=tokenizer_path)
    assert sp.get_piece_size() == cfg["vocab_size"], "E_VOCAB_MISMATCH: checkpoint and tokenizer disagree"
    tokens, scores, types = token_table(sp)
    end_id = sp.piece_to_id(END)
    mat = g.GGML_F16 if f16 else g.GGML_F32

    w = g.GGUFWriter()
    w.add("general.architecture", g.STRING, "llama")
    w.add("general.name", g.STRING, name)
    w.add("general.alignment", g.UINT32, g.ALIGNMENT)
    w.add("general.file_type", g.UINT32, 1 if f16 else 0)
    w.add("llama.vocab_size", g.UINT32, cfg["vocab_size"])
    # Declare the context the model was trained on (its rows), not what RoPE could address:
    # engines size their contexts from this, and positions beyond the rows are untested.
    trained = ck.get("args", {}).get("row_len", 256)
    w.add("llama.context_length", g.UINT32, min(cfg["context_length"], trained))
    w.add("llama.embedding_length", g.UINT32, cfg["dim"])
    w.add("llama.block_count", g.UINT32, cfg["n_layers"])
    w.add("llama.feed_forward_length", g.UINT32, cfg["ffn_dim"])
    w.add("llama.attention.head_count", g.UINT32, cfg["n_heads"])
    w.add("llama.attention.head_count_kv", g.UINT32, cfg["n_heads"])
    w.add("llama.attention.layer_norm_rms_epsilon", g.FLOAT32, cfg["norm_eps"])
    w.add("llama.rope.dimension_count", g.UINT32, cfg["dim"] // cfg["n_heads"])
    w.add("llama.rope.freq_base", g.FLOAT32, cfg["rope_base"])
    w.add("tokenizer.ggml.model", g.STRING, "llama")
    w.add_array("tokenizer.ggml.tokens", g.STRING, tokens)
    w.add_array("tokenizer.ggml.scores", g.FLOAT32, scores)
    w.add_array("tokenizer.ggml.token_type", g.INT32, types)
    w.add("tokenizer.ggml.bos_token_id", g.UINT32, BOS_ID)
    w.add("tokenizer.ggml.eos_token_id", g.UINT32, end_id)
    w.add("tokenizer.ggml.eot_token_id", g.UINT32, end_id)
    w.add("tokenizer.ggml.unknown_token_id", g.UINT32, UNK_ID)
    w.add("tokenizer.ggml.add_bos_token", g.BOOL, True)
    w.add("tokenizer.ggml.add_eos_token", g.BOOL, False)
    w.add("tokenizer.ggml.add_space_prefix", g.BOOL, False)

    def t(key):
        return sd[key].float().numpy()

    w.add_tensor("token_embd.weight", t("embed.weight"), mat)
    for i in range(cfg["n_layers"]):
        p = f"blocks.{i}."
        w.add_tensor(f"blk.{i}.attn_norm.weight", t(p + "attn_norm.weight"), g.GGML_F32)
        w.add_tensor(f"blk.{i}.attn_q.weight", t(p + "attn.wq.weight"), mat)
        w.add_tensor(f"blk.{i}.attn_k.weight", t(p + "attn.wk.weight"), mat)
        w.add_tensor(f"blk.{i}.attn_v.weight", t(p + "attn.wv.weight"), mat)
        w.add_tensor(f"blk.{i}.attn_output.weight", t(p + "attn.wo.weight"), mat)
        w.add_tensor(f"blk.{i}.ffn_norm.weight", t(p + "ffn_norm.weight"), g.GGML_F32)
        w.add_tensor(f"blk.{i}.ffn_gate.weight", t(p + "ffn.gate.weight"), mat)
        w.add_tensor(f"blk.{i}.ffn_up.weight", t(p + "ffn.up.weight"), mat)
        w.add_tensor(f"blk.{i}.ffn_down.weight", t(p + "ffn.down.weight"), mat)
    w.add_tensor("output_norm.weight", t("norm.weight"), g.GGML_F32)
    w.write(out_path)
    return ck


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--f32", action="store_true", help="f32 matrices instead of f16")
    args = ap.parse_args()
    ck = export(args.ckpt, args.tokenizer, args.out, args.name, f16=not args.f32)
    print(json.dumps({"gguf": args.out, "step": ck.get("step")}))


if __name__ == "__main__":
    main()
