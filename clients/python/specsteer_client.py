"""A SpecSteer device client in Python: the wire protocol, without a model.

Written from packages/protocol/README.md and
packages/protocol/schema/specsteer.schema.json only (no TypeScript source), to
show those two documents are enough to speak the protocol. Needs Python 3.9+
and websockets 10+ (Debian: python3-websockets); asyncio.

What it does: the handshake (with the tokenizer fingerprint computed from the
probe texts), sessions with draft/verdict rounds, the acceptance decision a
device makes from the corrections (greedy, or sampled against a deterministic
drafter), committing tokens on the next draft or on close, resume after a
dropped connection, and every error with its scope and retryability.

It has no language model: the caller supplies the drafter (any function from
the output so far to proposed token ids) and, for the fingerprint and token
prompts, a tokenizer. With no private context the device's target π is the
cloud's p, so this client runs plain speculative decoding against the
verifier; a real device steers π with its private q (docs/design.md).
"""

from __future__ import annotations

import asyncio
import json
import math
import random
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence

import websockets

PROTOCOL_VERSION = "specsteer/2"

# ---------------------------------------------------------------- errors

# code: (scope, retryable) — the README's "Error codes" table.
ERROR_CODES: Dict[str, tuple] = {
    "BAD_FRAME": ("connection", False),
    "INVALID_MESSAGE": ("message", False),
    "UNSUPPORTED_VERSION": ("connection", False),
    "UNAUTHORIZED": ("connection", False),
    "FORBIDDEN_ORIGIN": ("connection", False),
    "TOKENIZER_MISMATCH": ("connection", False),
    "RATE_LIMITED": ("message", True),
    "TOO_MANY_SESSIONS": ("message", True),
    "UNKNOWN_SESSION": ("message", True),
    "SESSION_EXISTS": ("message", False),
    "OUT_OF_ORDER_ROUND": ("session", True),
    "DRAFT_TOO_LONG": ("message", False),
    "PROMPT_TOO_LONG": ("message", False),
    "TOKEN_OUT_OF_RANGE": ("message", False),
    "SESSION_FINISHED": ("message", False),
    "IDLE_TIMEOUT": ("session", True),
    "BACKEND_UNAVAILABLE": ("message", True),
    "BACKEND_TIMEOUT": ("message", True),
    "SERVER_SHUTTING_DOWN": ("connection", True),
    "INTERNAL": ("session", True),
}


class SpecSteerError(Exception):
    """An `error` frame from the server (or one this client raises for a bad server frame)."""

    def __init__(self, code: str, message: str, data: Any = None,
                 session_id: Optional[str] = None, round: Optional[int] = None):
        # A code this client does not know (a newer server) is read as INTERNAL.
        known = code in ERROR_CODES
        self.code = code if known else "INTERNAL"
        self.original_code = code
        self.message = message
        self.data = data
        self.session_id = session_id
        self.round = round
        self.scope, self.retryable = ERROR_CODES[self.code]
        super().__init__(f"{self.code}: {message}")

    @classmethod
    def from_frame(cls, frame: Dict[str, Any]) -> "SpecSteerError":
        return cls(frame["code"], frame["message"], frame.get("data"),
                   frame.get("sessionId"), frame.get("round"))


class ConnectionLost(Exception):
    """The socket closed; `code` is the WebSocket close code (1006 when it just dropped)."""

    def __init__(self, code: Optional[int], reason: str = ""):
        self.code = code
        self.reason = reason
        super().__init__(f"connection closed ({code}{': ' + reason if reason else ''})")


class ProtocolViolation(Exception):
    """The server sent a frame the protocol does not allow."""


# ---------------------------------------------------------------- tokenizer fingerprint

# The README's probe texts, in order (section "The tokenizer fingerprint").
PROBE_TEXTS: List[str] = [
    "The capital of Varnia is Tellor.",
    "Write a note to the team about the weather in the city.",
    "<|history|>Hey crew! Mochi ate my sock again. Onward, Dara<|end|>",
    "<|system|>Be brief.<|end|><|user|>Hi there<|end|><|assistant|>",
    "0 1 12 123 1234 3.14159 -42 2026-11-29 100%",
    "Wait... what?! (yes; no) [a, b] {c: d} \"quoted\" 'single' #tag @name",
    "Café naïve résumé Ångström Straße Øresund façade",
    "東京は日本の首都です。北京欢迎你",
    "🙂🚀👩\u200d💻 ok 🎉",
    "  two leading spaces and   three inside",
    "camelCaseWord snake_case_word kebab-case-word URL https://example.org/a?b=c",
    "Ελληνικά кириллица עברית العربية",
]

_FNV64_OFFSET = 0xCBF29CE484222325
_FNV64_PRIME = 0x100000001B3
_MASK64 = 0xFFFFFFFFFFFFFFFF


def tokenizer_fingerprint(vocab_size: int, probe_token_ids: Sequence[Sequence[int]]) -> str:
    """FNV-1a 64 over [vocabSize, number of probes, then per probe its length and ids],
    each an unsigned 32-bit integer fed as 4 little-endian bytes; 16 lowercase hex digits."""
    if len(probe_token_ids) != len(PROBE_TEXTS):
        raise ValueError(f"expected {len(PROBE_TEXTS)} tokenized probes, got {len(probe_token_ids)}")
    words = [vocab_size, len(probe_token_ids)]
    for ids in probe_token_ids:
        words.append(len(ids))
        for token in ids:
            if not 0 <= token < vocab_size:
                raise ValueError(f"token id {token} is outside the vocabulary of {vocab_size}")
            words.append(token)
    h = _FNV64_OFFSET
    for word in words:
        for byte in int(word).to_bytes(4, "little"):
            h ^= byte
            h = (h * _FNV64_PRIME) & _MASK64
    return f"{h:016x}"


def fingerprint_tokenizer(vocab_size: int, tokenize: Callable[[str], Sequence[int]]) -> str:
    """Tokenize each probe (no BOS) and hash the result."""
    return tokenizer_fingerprint(vocab_size, [list(tokenize(text)) for text in PROBE_TEXTS])


# ---------------------------------------------------------------- chat template (token prompts)

OFFLINE_MARKERS = {"system": "<|system|>", "user": "<|user|>", "assistant": "<|assistant|>"}
OFFLINE_END = "<|end|>"


def render_offline_prompt(messages: Sequence[Dict[str, str]]) -> str:
    """The public prompt text of the specsteer-offline family: each turn as
    `<|role|>content<|end|>` (line breaks as spaces), then `<|assistant|>`."""
    parts = []
    for i, message in enumerate(messages):
        content = message["content"]
        for marker in [*OFFLINE_MARKERS.values(), OFFLINE_END, "<|history|>"]:
            if marker in content:
                raise ValueError(f"messages[{i}].content contains the reserved marker {marker}")
        content = content.replace("\r\n", " ").replace("\r", " ").replace("\n", " ")
        parts.append(f"{OFFLINE_MARKERS[message['role']]}{content}{OFFLINE_END}")
    return "".join(parts) + OFFLINE_MARKERS["assistant"]


def offline_prompt_tokens(messages: Sequence[Dict[str, str]],
                          tokenize: Callable[[str], Sequence[int]], bos: int) -> List[int]:
    """`prompt.tokens` for the specsteer-offline family: BOS, then the rendered prompt's ids."""
    return [bos, *tokenize(render_offline_prompt(messages))]


# ---------------------------------------------------------------- frame checks

SERVER_TYPES = {"welcome", "opened", "verdict", "resumed", "closed", "error", "pong"}


def check_server_frame(frame: Any) -> None:
    """The checks the README says JSON Schema cannot express, plus the basics."""
    if not isinstance(frame, dict) or frame.get("type") not in SERVER_TYPES:
        raise ProtocolViolation(f"not a server message: {str(frame)[:200]}")
    if frame["type"] != "verdict":
        return
    finished = frame.get("finish") is not None
    corrections = frame.get("corrections")
    if finished != (corrections is None):
        raise ProtocolViolation("a verdict has corrections exactly when it has no finish")
    for i, c in enumerate(corrections or []):
        ids, logprobs = c["ids"], c["logprobs"]
        if c["position"] != frame["committedTokens"] + i:
            raise ProtocolViolation(f"corrections[{i}].position is not committedTokens + {i}")
        if len(logprobs) != len(ids) or len(set(ids)) != len(ids):
            raise ProtocolViolation(f"corrections[{i}]: one logprob per id, no repeated id")
        if not 0 <= c["top"] <= len(ids):
            raise ProtocolViolation(f"corrections[{i}].top is outside 0..{len(ids)}")
        for lp in [*logprobs, c.get("tail")]:
            if lp is not None and (not math.isfinite(lp) or lp > 0):
                raise ProtocolViolation(f"corrections[{i}]: a logprob is not finite and ≤ 0")
        sample = c.get("tailSample")
        if sample is not None and sample in ids:
            raise ProtocolViolation(f"corrections[{i}].tailSample is among the ids")


# ---------------------------------------------------------------- connection

class Connection:
    """One WebSocket to a verifier, after hello/welcome. Frames are routed by sessionId."""

    def __init__(self, socket: Any, welcome: Dict[str, Any]):
        self.socket = socket
        self.welcome = welcome
        self.limits: Dict[str, int] = welcome["limits"]
        self._queues: Dict[Optional[str], asyncio.Queue] = {}
        self._closed: Optional[ConnectionLost] = None
        self._reader = asyncio.ensure_future(self._read())

    @classmethod
    async def open(cls, url: str, fingerprint: str, api_key: Optional[str] = None,
                   timeout: float = 30.0) -> "Connection":
        socket = await asyncio.wait_for(websockets.connect(url, max_size=None), timeout)
        hello: Dict[str, Any] = {"type": "hello", "protocolVersion": PROTOCOL_VERSION,
                                 "tokenizerFingerprint": fingerprint,
                                 "client": {"name": "specsteer-python", "version": "0.1.0"}}
        if api_key is not None:
            hello["apiKey"] = api_key
        await socket.send(json.dumps(hello))
        try:
            reply = json.loads(await asyncio.wait_for(socket.recv(), timeout))
        except websockets.ConnectionClosed as closed:
            raise ConnectionLost(closed.code, closed.reason) from None
        check_server_frame(reply)
        if reply["type"] == "error":
            error = SpecSteerError.from_frame(reply)
            await socket.close()
            raise error
        if reply["type"] != "welcome":
            raise ProtocolViolation(f"expected welcome, got {reply['type']}")
        if reply["protocolVersion"] != PROTOCOL_VERSION:
            raise ProtocolViolation(f"server speaks {reply['protocolVersion']}")
        return cls(socket, reply)

    def _queue(self, session_id: Optional[str]) -> asyncio.Queue:
        return self._queues.setdefault(session_id, asyncio.Queue())

    async def _read(self) -> None:
        try:
            async for text in self.socket:
                frame = json.loads(text)
                check_server_frame(frame)
                await self._queue(frame.get("sessionId")).put(frame)
            self._closed = ConnectionLost(self.socket.close_code, self.socket.close_reason)
        except websockets.ConnectionClosed as closed:
            self._closed = ConnectionLost(closed.code, closed.reason)
        except Exception as error:  # a frame the protocol does not allow: stop reading
            self._closed = ConnectionLost(None, f"client stopped: {error}")
            await self.socket.close(1002, "protocol error")
        for queue in self._queues.values():
            queue.put_nowait(None)

    @property
    def close_code(self) -> Optional[int]:
        return self._closed.code if self._closed else None

    async def send(self, frame: Dict[str, Any]) -> None:
        await self.send_text(json.dumps(frame))

    async def send_text(self, text: str) -> None:
        if self._closed:
            raise self._closed
        try:
            await self.socket.send(text)
        except websockets.ConnectionClosed as closed:
            raise ConnectionLost(closed.code, closed.reason) from None

    async def next(self, session_id: Optional[str], timeout: float = 60.0) -> Dict[str, Any]:
        """The next frame about `session_id` (None: frames about no session)."""
        queue = self._queue(session_id)
        if self._closed and queue.empty():
            raise self._closed
        frame = await asyncio.wait_for(queue.get(), timeout)
        if frame is None:
            queue.put_nowait(None)  # wake any other waiter too
            raise self._closed or ConnectionLost(None)
        return frame

    async def request(self, frame: Dict[str, Any], timeout: float = 60.0) -> Dict[str, Any]:
        """Send a frame and return the answer about the same session; `error` frames raise."""
        await self.send(frame)
        reply = await self.next(frame.get("sessionId"), timeout)
        if reply["type"] == "error":
            raise SpecSteerError.from_frame(reply)
        return reply

    async def drop(self) -> None:
        """Cut the TCP connection without a close handshake (as a lost network does)."""
        self.socket.transport.abort()
        await asyncio.sleep(0)

    async def close(self) -> None:
        await self.socket.close()
        await asyncio.gather(self._reader, return_exceptions=True)


# ---------------------------------------------------------------- acceptance on the device

def _p(logprob: Optional[float]) -> float:
    return 0.0 if logprob is None else math.exp(logprob)


def decide_greedy(draft: Sequence[int], corrections: Sequence[Dict[str, Any]]) -> List[int]:
    """Greedy (temperature 0), with π = p: keep y_i while it is p's argmax, then take the argmax."""
    committed: List[int] = []
    for i, correction in enumerate(corrections):
        best = correction["ids"][0]  # the target's top-K come first, highest first
        if i < len(draft) and draft[i] == best:
            committed.append(best)
            continue
        committed.append(best)
        break
    return committed


def decide_sampled(draft: Sequence[int], corrections: Sequence[Dict[str, Any]],
                   rng: random.Random) -> List[int]:
    """Sampled, with π = p and a deterministic drafter (q(y_i) = 1): accept y_i with
    probability min(1, p(y_i)/q(y_i)) = p(y_i); at the first rejection draw from the
    residual max(0, p − q), i.e. p without y_i; after all, draw the bonus from p.
    p is known on the correction's ids plus the tail mass, drawn as `tailSample`."""
    committed: List[int] = []
    for i, correction in enumerate(corrections):
        ids, probs = correction["ids"], [_p(lp) for lp in correction["logprobs"]]
        top = correction["top"]
        if i < len(draft):
            y = draft[i]
            p_y = probs[ids.index(y)] if y in ids[:top] else 0.0
            if rng.random() < p_y:
                committed.append(y)
                continue
            exclude = y
        else:
            exclude = None
        weights = [(t, w) for t, w in zip(ids, probs) if t != exclude]
        tail_mass = _p(correction.get("tail"))
        if correction.get("tailSample") is not None and tail_mass > 0:
            weights.append((correction["tailSample"], tail_mass))
        total = sum(w for _, w in weights)
        u = rng.random() * total
        choice = weights[-1][0]
        for token, w in weights:
            u -= w
            if u < 0:
                choice = token
                break
        committed.append(choice)
        break
    return committed


# ---------------------------------------------------------------- sessions

Drafter = Callable[[List[int], int], Sequence[int]]
"""(output so far, at most n) → proposed next tokens."""


@dataclass
class Session:
    """The device's state of one session: all the server needs to rebuild it."""
    session_id: str
    prompt: Dict[str, Any]
    sampling: Dict[str, Any]
    output: List[int] = field(default_factory=list)  # committed and known to the server
    pending: List[int] = field(default_factory=list)  # committed, not yet sent
    round: int = 0
    finish: Optional[str] = None
    rounds: int = 0
    resumes: int = 0
    last_verdict: Optional[Dict[str, Any]] = None

    @property
    def committed_length(self) -> int:
        return len(self.output) + len(self.pending)

    def _ends(self, tokens: Sequence[int]) -> bool:
        stops = set(self.sampling.get("stopTokens", []))
        return any(t in stops for t in tokens) or self.committed_length >= self.sampling["maxTokens"]

    async def open(self, connection: Connection) -> Dict[str, Any]:
        return await connection.request({"type": "open", "sessionId": self.session_id,
                                         "prompt": self.prompt, "sampling": self.sampling})

    async def resume(self, connection: Connection) -> Dict[str, Any]:
        """Rebuild on any replica: every committed token (pending ones included), the next round."""
        self.output.extend(self.pending)
        self.pending = []
        self.resumes += 1
        return await connection.request({"type": "resume", "sessionId": self.session_id,
                                         "prompt": self.prompt, "sampling": self.sampling,
                                         "committedTokens": self.output, "round": self.round})

    async def step(self, connection: Connection, draft: Sequence[int],
                   decide: Callable[[Sequence[int], Sequence[Dict[str, Any]]], List[int]]) -> None:
        """One round: send pending tokens + a draft, read the verdict, decide what to commit."""
        frame: Dict[str, Any] = {"type": "draft", "sessionId": self.session_id,
                                 "round": self.round, "tokens": list(draft)}
        if self.pending:
            frame["committed"] = self.pending
        verdict = await connection.request(frame)
        if verdict["type"] != "verdict" or verdict["round"] != self.round:
            raise ProtocolViolation(f"expected the verdict of round {self.round}, got {verdict}")
        self.last_verdict = verdict
        self.output.extend(self.pending)
        self.pending = []
        self.round += 1
        self.rounds += 1
        if verdict["committedTokens"] != len(self.output):
            raise ProtocolViolation(f"server counts {verdict['committedTokens']} tokens, device {len(self.output)}")
        if verdict.get("finish") is not None:
            self.finish = verdict["finish"]
            return
        tokens = decide(draft, verdict["corrections"])
        # Only up to the first stop token or maxTokens: what comes after is not output.
        for token in tokens:
            if self.finish is not None:
                break
            self.pending.append(token)
            if self._ends([token]):
                self.finish = "stop" if token in self.sampling.get("stopTokens", []) else "length"

    async def close(self, connection: Connection) -> Dict[str, Any]:
        """End the session; tokens that finished the generation ride on close."""
        frame: Dict[str, Any] = {"type": "close", "sessionId": self.session_id}
        if self.pending:
            frame["committed"] = self.pending
        closed = await connection.request(frame)
        self.output.extend(self.pending)
        self.pending = []
        return closed


async def generate(connect: Callable[[], Awaitable[Connection]], session: Session,
                   drafter: Drafter, k: int, seed: int = 0,
                   on_round: Optional[Callable[[Session, Connection], Awaitable[None]]] = None
                   ) -> List[int]:
    """Run a session to its end, recovering from what the protocol says is recoverable:
    a lost connection or SERVER_SHUTTING_DOWN (reconnect, resume), BACKEND_TIMEOUT and
    BACKEND_UNAVAILABLE and RATE_LIMITED (send the round again), session-scope errors (resume)."""
    rng = random.Random(seed)
    greedy = session.sampling["temperature"] == 0
    decide = decide_greedy if greedy else (lambda d, c: decide_sampled(d, c, rng))
    connection = await connect()
    await session.open(connection)
    attempts = 0
    while session.finish is None:
        limit = min(k, connection.limits["maxDraftTokens"],
                    session.sampling["maxTokens"] - session.committed_length)
        draft = list(drafter(session.output + session.pending, max(0, limit)))[:max(0, limit)]
        try:
            await session.step(connection, draft, decide)
            attempts = 0
            if on_round is not None:
                await on_round(session, connection)
        except (ConnectionLost, SpecSteerError) as error:
            attempts += 1
            if attempts > 5 or (isinstance(error, SpecSteerError) and not error.retryable):
                raise
            if isinstance(error, SpecSteerError) and error.code == "RATE_LIMITED":
                await asyncio.sleep((error.data or {}).get("retryAfterMs", 100) / 1000)
                continue
            if isinstance(error, SpecSteerError) and error.code == "UNKNOWN_SESSION":
                await session.resume(connection)
                continue
            if isinstance(error, SpecSteerError) and error.scope == "message":
                continue  # the round was not applied: send it again
            if isinstance(error, SpecSteerError) and error.scope == "session":
                # The server sends `closed` (reason error) after a session-scope error.
                await connection.next(session.session_id)
                await session.resume(connection)
                continue
            await connection.close()
            connection = await connect()
            await session.resume(connection)
    await session.close(connection)
    await connection.close()
    return session.output
