"""Resumable training of one model of the pair on one CPU core.

Run one process per core with OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 (see
tools/train/README.md). With --deadline the total step count is planned from the
measured rate and re-planned at every checkpoint while the run is still in the
stable phase (other jobs share the CPU, so the rate moves); once the decay has
started the total is frozen. --steps fixes the total instead (also on resume).
"""
import argparse
import json
import os
import time
from datetime import datetime

import numpy as np
import sentencepiece as spm
import torch
import torch.nn.functional as F

from model import PRESETS, LlamaDecoder, ModelConfig
from packing import PackedRows, load_texts, thin_history_documents, tokenize_documents
from schedule import learning_rate


def parse_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--run-dir", required=True)
    ap.add_argument("--preset", choices=sorted(PRESETS), required=True)
    ap.add_argument("--eval-texts", help="jsonl of {text} for held-out loss")
    ap.add_argument("--steps", type=int, help="total optimizer steps")
    ap.add_argument("--deadline", help="HH:MM local time; total steps fixed from measured rate")
    ap.add_argument("--slack", type=float, default=0.8, help="share of the time to the deadline planned for")
    ap.add_argument("--calibrate-steps", type=int, default=20)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--row-len", type=int, default=256)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=60)
    ap.add_argument("--decay-frac", type=float, default=0.2)
    ap.add_argument("--floor-frac", type=float, default=0.05)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--ckpt-every-s", type=float, default=180)
    ap.add_argument("--snapshot-every", type=int, default=200, help="keep weights every N steps")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--history-share", type=float, default=1.0,
                    help="share of with-history documents kept (fact-dense mix for the large model)")
    args = ap.parse_args()
    if not args.steps and not args.deadline:
        ap.error("give --steps or --deadline")
    return args


class RunLog:
    def __init__(self, run_dir):
        self.jsonl = open(os.path.join(run_dir, "log.jsonl"), "a", buffering=1)
        self.text = open(os.path.join(run_dir, "train.log"), "a", buffering=1)

    def event(self, **fields):
        fields["time"] = datetime.now().isoformat(timespec="seconds")
        self.jsonl.write(json.dumps(fields) + "\n")
        self.text.write(" ".join(f"{k}={v}" for k, v in fields.items()) + "\n")


def save_atomic(obj, path):
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def seconds_until(hhmm):
    now = datetime.now()
    target = now.replace(hour=int(hhmm[:2]), minute=int(hhmm[3:5]), second=0, microsecond=0)
    return (target - now).total_seconds()


@torch.no_grad()
def eval_loss(model, rows):
    model.eval()
    x = torch.from_numpy(rows)
    logits = model(x[:, :-1])
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1))
    model.train()
    return float(loss)


def main():
    args = parse_args()
    torch.set_num_threads(1)
    os.makedirs(args.run_dir, exist_ok=True)
    log = RunLog(args.run_dir)
    ckpt_path = os.path.join(args.run_dir, "ckpt.pt")

    sp = spm.SentencePieceProcessor(model_file=args.tokenizer)
    texts = thin_history_documents(load_texts(args.corpus), args.history_share, args.seed)
    rows = PackedRows(tokenize_documents(sp, texts), args.row_len, args.seed)
    held_out = None
    if args.eval_texts:
        ev = PackedRows(tokenize_documents(sp, load_texts(args.eval_texts)), args.row_len, args.seed)
        held_out = np.stack([ev.row(i) for i in range(min(16, ev.rows_per_epoch))]).astype(np.int64)

    cfg = ModelConfig(vocab_size=sp.get_piece_size(), **PRESETS[args.preset])
    torch.manual_seed(args.seed)
    model = LlamaDecoder(cfg)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=args.lr, betas=(0.9, 0.95), eps=1e-8,
    )

    step, total, wall = 0, args.steps, 0.0
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        step, wall = ck["step"], ck["wall_s"]
        total = args.steps or ck["total_steps"]
        log.event(kind="resume", step=step, total_steps=total)
    else:
        log.event(kind="start", preset=args.preset, params=model.n_params(), config=cfg.to_dict(),
                  corpus=args.corpus, documents=len(texts), corpus_tokens=rows.n_tokens, rows_per_epoch=rows.rows_per_epoch,
                  args=vars(args))

    def checkpoint():
        save_atomic({"model": model.state_dict(), "optimizer": opt.state_dict(), "step": step,
                     "total_steps": total, "wall_s": wall, "config": cfg.to_dict(),
                     "tokenizer": os.path.abspath(args.tokenizer), "args": vars(args)}, ckpt_path)

    def snapshot():
        save_atomic({"model": model.state_dict(), "step": step, "config": cfg.to_dict()},
                    os.path.join(args.run_dir, f"weights-step{step:05d}.pt"))

    last_ckpt = time.time()
    window_loss, window_n, window_t0 = 0.0, 0, time.time()
    plan_step, plan_t0 = step, time.time()
    model.train()

    def decay_started():
        return total is not None and step >= int(total * (1 - args.decay_frac))

    def replan(min_steps):
        nonlocal total, plan_step, plan_t0
        if not args.deadline or args.steps or decay_started() or step - plan_step < min_steps:
            return
        rate = (step - plan_step) / (time.time() - plan_t0)
        total = step + max(1, int(rate * seconds_until(args.deadline) * args.slack))
        log.event(kind="plan", step=step, steps_per_s=round(rate, 4), total_steps=total)
        plan_step, plan_t0 = step, time.time()

    while total is None or step < total:
        if total is None:
            replan(args.calibrate_steps)
        lr = learning_rate(step, total or 10**9, args.lr, args.warmup, args.decay_frac, args.floor_frac)
        for g in opt.param_groups:
            g["lr"] = lr
        t0 = time.time()
        x = torch.from_numpy(rows.batch(step, args.batch))
        logits = model(x[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        wall += time.time() - t0
        step += 1
        window_loss += float(loss)
        window_n += 1
        if step % 10 == 0:
            dt = time.time() - window_t0
            log.event(kind="train", step=step, total_steps=total, loss=round(window_loss / window_n, 4),
                      lr=round(lr, 6), tok_per_s=round(window_n * args.batch * args.row_len / dt),
                      epoch=round(step * args.batch / rows.rows_per_epoch, 3), wall_s=round(wall))
            window_loss, window_n, window_t0 = 0.0, 0, time.time()
        if step % args.snapshot_every == 0:
            snapshot()
        if time.time() - last_ckpt > args.ckpt_every_s:
            replan(1)
            checkpoint()
            if held_out is not None:
                log.event(kind="eval", step=step, eval_loss=round(eval_loss(model, held_out), 4))
            last_ckpt = time.time()
    checkpoint()
    snapshot()
    fields = {}
    if held_out is not None:
        fields["eval_loss"] = round(eval_loss(model, held_out), 4)
    log.event(kind="done", step=step, wall_s=round(wall), **fields)


if __name__ == "__main__":
    main()
