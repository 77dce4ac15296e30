"""Chat-format texts of the eval split (history + request + reference), for held-out loss."""
import argparse
import json

from chat_format import ASSISTANT, END, HISTORY, USER


def task_text(task, with_history=True):
    history = "".join(HISTORY + m + END for m in task["history"]) if with_history else ""
    return f"{history}{USER}{task['request']}{END}{ASSISTANT}{task['reference']}{END}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--eval", required=True, help="data/personaworld/eval.jsonl")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    with open(args.eval, encoding="utf-8") as f, open(args.out, "w", encoding="utf-8") as out:
        for line in f:
            out.write(json.dumps({"text": task_text(json.loads(line))}) + "\n")


if __name__ == "__main__":
    main()
