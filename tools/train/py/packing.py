"""Rows of fixed length cut from one stream of documents, each starting with BOS.

Documents are split across row boundaries (whole-document packing wasted 22 %
of every row here). The order is a pure function of (seed, epoch), so a run
resumed from a checkpoint sees exactly the rows it would have seen.
"""
import json

import numpy as np
import sentencepiece as spm

from chat_format import BOS_ID, HISTORY


def load_texts(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f if line.strip()]


def thin_history_documents(texts, keep_share: float, seed: int):
    """Keep only `keep_share` of the documents that open with private history blocks.

    The large (cloud) model never sees history at inference, and those documents are
    81 % of the corpus tokens but state one fact each: thinning them makes the large
    model's mix fact-dense, so each fact gets ~3x more exposures per step budget.
    """
    if keep_share >= 1.0:
        return list(texts)
    rng = np.random.default_rng([seed, 7])
    return [t for t in texts if not t.startswith(HISTORY) or rng.random() < keep_share]


def tokenize_documents(sp: spm.SentencePieceProcessor, texts):
    return [np.asarray([BOS_ID] + ids, dtype=np.int32) for ids in sp.encode(texts)]


class PackedRows:
    def __init__(self, documents, row_len: int, seed: int):
        self.documents = documents
        self.row_len = row_len
        self.seed = seed
        self.n_tokens = int(sum(len(d) for d in documents))
        # +1: each row carries the next token as the last target.
        self.rows_per_epoch = (self.n_tokens - 1) // row_len
        self._epoch = None
        self._stream = None
        self._row_order = None

    def _prepare(self, epoch: int):
        if self._epoch == epoch:
            return
        rng = np.random.default_rng([self.seed, epoch])
        doc_order = rng.permutation(len(self.documents))
        self._stream = np.concatenate([self.documents[i] for i in doc_order])
        self._row_order = rng.permutation(self.rows_per_epoch)
        self._epoch = epoch

    def row(self, global_row: int):
        epoch, r = divmod(global_row, self.rows_per_epoch)
        self._prepare(epoch)
        start = int(self._row_order[r]) * self.row_len
        return self._stream[start : start + self.row_len + 1]

    def batch(self, step: int, batch_size: int):
        rows = [self.row(step * batch_size + i) for i in range(batch_size)]
        return np.stack(rows).astype(np.int64)
