"""The offline pair's chat format, fixed by the lead (see tools/train/README.md).

The markers are SentencePiece user-defined symbols so that
tokenize(history + public) == tokenize(history) ++ tokenize(public).
"""

HISTORY = "<|history|>"
SYSTEM = "<|system|>"
USER = "<|user|>"
ASSISTANT = "<|assistant|>"
END = "<|end|>"

CHAT_MARKERS = [HISTORY, SYSTEM, USER, ASSISTANT, END]

# SentencePiece's own special ids; BOS starts every document, END stops an answer.
UNK_ID = 0
BOS_ID = 1
EOS_ID = 2
