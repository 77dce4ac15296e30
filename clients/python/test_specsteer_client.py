"""Tests of the Python client. The offline ones run anywhere:
    python3 -m unittest -v test_specsteer_client        (in clients/python)
The ones against a verifier need SPECSTEER_URL (its ws://…/v1/ws) and
SPECSTEER_FIXTURE (a JSON file: the model pair's vocabSize, BOS, stop token,
the token ids of the fingerprint probes and of the texts the tests tokenize);
apps/verifier/test/python-client.test.ts starts the embedded verifier and
runs them.
"""

import asyncio
import json
import os
import random
import unittest

import specsteer_client as sc

URL = os.environ.get("SPECSTEER_URL")
FIXTURE = json.load(open(os.environ["SPECSTEER_FIXTURE"])) if os.environ.get("SPECSTEER_FIXTURE") else None
MESSAGES = [{"role": "user", "content": "Write a note to the team about the capital of Varnia."}]


class Offline(unittest.TestCase):
    def test_probe_texts_are_the_readmes(self):
        readme = open(os.path.join(os.path.dirname(__file__), "../../packages/protocol/README.md"), encoding="utf-8").read()
        section = readme[readme.index("## The tokenizer fingerprint"):]
        block = section[section.index("```text\n") + 8:]
        self.assertEqual(json.loads(block[:block.index("```")]), sc.PROBE_TEXTS)

    def test_fingerprint_matches_the_readme_example(self):
        # packages/protocol/README.md, "The tokenizer fingerprint": vocabulary 1024, every probe empty.
        self.assertEqual(sc.tokenizer_fingerprint(1024, [[]] * 12), "eda9a6e1284de3d5")
        with self.assertRaises(ValueError):
            sc.tokenizer_fingerprint(4, [[4]] + [[]] * 11)

    def test_greedy_keeps_the_agreeing_prefix_then_takes_the_argmax(self):
        def c(best):
            return {"position": 0, "ids": [best, 9], "top": 2, "logprobs": [-0.1, -2.4], "tail": None}
        self.assertEqual(sc.decide_greedy([5, 6, 7], [c(5), c(6), c(8), c(1)]), [5, 6, 8])
        self.assertEqual(sc.decide_greedy([5], [c(5), c(3)]), [5, 3])
        self.assertEqual(sc.decide_greedy([], [c(4)]), [4])

    def test_sampled_accepts_with_p_and_never_recovers_the_rejected_token(self):
        never = {"ids": [7, 3], "top": 2, "logprobs": [None, 0.0], "tail": None}
        for seed in range(50):
            self.assertEqual(sc.decide_sampled([7], [never, never], random.Random(seed)), [3])
        always = {"ids": [7, 3], "top": 2, "logprobs": [0.0, None], "tail": None}
        self.assertEqual(sc.decide_sampled([7], [always, always], random.Random(1)), [7, 7])

    def test_refuses_verdicts_the_protocol_does_not_allow(self):
        good = {"type": "verdict", "sessionId": "a", "round": 0, "committedTokens": 3, "corrections": [
            {"position": 3, "ids": [1, 2], "top": 2, "logprobs": [-0.5, None], "tail": -1.0}]}
        sc.check_server_frame(good)
        for broken in [
            {**good, "finish": "stop"},
            {**good, "corrections": [{**good["corrections"][0], "position": 4}]},
            {**good, "corrections": [{**good["corrections"][0], "ids": [1, 1]}]},
            {**good, "corrections": [{**good["corrections"][0], "logprobs": [0.5, None]}]},
            {"type": "surprise"},
        ]:
            with self.assertRaises(sc.ProtocolViolation):
                sc.check_server_frame(broken)

    def test_an_unknown_error_code_reads_as_internal(self):
        error = sc.SpecSteerError.from_frame({"type": "error", "code": "NEW_THING", "message": "m"})
        self.assertEqual((error.code, error.original_code, error.scope, error.retryable),
                         ("INTERNAL", "NEW_THING", "session", True))


@unittest.skipUnless(URL and FIXTURE, "needs SPECSTEER_URL and SPECSTEER_FIXTURE (a running verifier)")
class AgainstVerifier(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        # unittest runs the loop in debug mode, which logs any step over 0.1 s: noise on a shared CPU.
        asyncio.get_running_loop().slow_callback_duration = 5.0

    def setUp(self):
        self.vocab = FIXTURE["vocabSize"]
        self.fingerprint = sc.tokenizer_fingerprint(self.vocab, FIXTURE["probeIds"])
        self.stop = FIXTURE["stopToken"]
        self.sampling = {"temperature": 0, "seed": 3, "topK": 4, "maxTokens": 24,
                         "stopTokens": [self.stop]}

    def tokenize(self, text):
        return FIXTURE["texts"][text]

    async def connect(self):
        return await sc.Connection.open(URL, self.fingerprint)

    async def run_session(self, name, drafter, k, prompt=None, sampling=None, **kw):
        session = sc.Session(name, prompt or {"messages": MESSAGES}, sampling or self.sampling)
        output = await sc.generate(self.connect, session, drafter, k, **kw)
        return session, output

    async def test_handshake_with_the_documented_fingerprint(self):
        connection = await self.connect()
        welcome = connection.welcome
        self.assertEqual(welcome["protocolVersion"], sc.PROTOCOL_VERSION)
        self.assertEqual(welcome["tokenizerFingerprint"], self.fingerprint)
        self.assertEqual(welcome["vocabSize"], self.vocab)
        self.assertEqual(welcome["model"]["family"], "specsteer-offline")
        await connection.send({"type": "ping", "nonce": "py-1"})
        self.assertEqual(await connection.next(None), {"type": "pong", "nonce": "py-1"})
        await connection.close()

    async def test_a_wrong_fingerprint_ends_the_connection_with_1002(self):
        with self.assertRaises(sc.SpecSteerError) as refused:
            await sc.Connection.open(URL, "0000000000000000")
        self.assertEqual(refused.exception.code, "TOKENIZER_MISMATCH")
        self.assertEqual(refused.exception.scope, "connection")
        self.assertEqual(refused.exception.data["server"], self.fingerprint)

    async def test_greedy_output_does_not_depend_on_the_drafter(self):
        # k = 0 is the token-by-token baseline: one correction per round.
        baseline, reference = await self.run_session("py-baseline", lambda out, n: [], 0)
        self.assertEqual(baseline.rounds, len(reference))
        # Greedy: no tail samples.
        self.assertIsNone(baseline.last_verdict["corrections"] and baseline.last_verdict["corrections"][0].get("tailSample"))
        self.assertIn(baseline.finish, ("stop", "length"))
        # Replaying the answer drafts it right: same tokens in a few rounds of several.
        replay, replayed = await self.run_session("py-replay", lambda out, n: reference[len(out):len(out) + n], 6)
        self.assertEqual(replayed, reference)
        self.assertLess(replay.rounds, baseline.rounds / 2)
        # Drafting wrong tokens costs rounds, never the answer.
        _, wrong = await self.run_session("py-wrong", lambda out, n: [(t + 1) % self.vocab for t in reference[len(out):len(out) + n]], 4)
        self.assertEqual(wrong, reference)

    async def test_a_token_prompt_built_from_the_documented_template_is_the_same_prompt(self):
        tokens = sc.offline_prompt_tokens(MESSAGES, self.tokenize, FIXTURE["bos"])
        _, from_messages = await self.run_session("py-messages", lambda out, n: [], 0)
        session, from_tokens = await self.run_session("py-tokens", lambda out, n: [], 0, prompt={"tokens": tokens})
        self.assertEqual(from_tokens, from_messages)
        connection = await self.connect()
        opened = await connection.request({"type": "open", "sessionId": "py-echo",
                                           "prompt": {"messages": MESSAGES}, "sampling": self.sampling})
        self.assertEqual(opened["promptTokens"], len(tokens))
        if "promptTokenIds" in opened:
            self.assertEqual(opened["promptTokenIds"], tokens)
        await connection.close()

    async def test_a_sampled_session_runs_to_its_end(self):
        sampling = {**self.sampling, "temperature": 0.8, "maxTokens": 20}
        corrections = []

        async def collect(session, connection):
            corrections.extend(session.last_verdict["corrections"] or [])

        session, output = await self.run_session("py-sampled", lambda out, n: [5] * n, 3,
                                                 sampling=sampling, seed=11, on_round=collect)
        # The embedded backend holds p's whole distribution: in sampled mode every correction
        # with mass outside its ids carries a tail sample (README, "A correction").
        with_tail = [c for c in corrections if c.get("tail") is not None]
        self.assertTrue(with_tail)
        self.assertTrue(all(c.get("tailSample") is not None for c in with_tail))
        self.assertIn(session.finish, ("stop", "length"))
        self.assertTrue(0 < len(output) <= 20)
        self.assertTrue(all(0 <= t < self.vocab for t in output))
        if session.finish == "stop":
            self.assertEqual(output[-1], self.stop)
            self.assertNotIn(self.stop, output[:-1])

    async def test_resumes_after_a_dropped_socket_without_losing_a_token(self):
        _, reference = await self.run_session("py-ref", lambda out, n: [], 0)
        dropped = []

        async def drop_after_two(session, connection):
            if session.rounds == 2 and not dropped:
                dropped.append(session.round)
                await connection.drop()

        session, output = await self.run_session(
            "py-resume", lambda out, n: reference[len(out):len(out) + n][:2], 2, on_round=drop_after_two)
        self.assertEqual(dropped, [2])
        self.assertEqual(session.resumes, 1)
        self.assertEqual(output, reference)

    async def test_malformed_frames_get_coded_errors(self):
        connection = await self.connect()
        session = sc.Session("py-bad", {"messages": MESSAGES}, self.sampling)
        await session.open(connection)

        async def refused(frame):
            with self.assertRaises(sc.SpecSteerError) as caught:
                await connection.request(frame)
            return caught.exception

        base = {"type": "draft", "sessionId": "py-bad", "round": 0}
        error = await refused({**base, "tokens": [2, -5]})
        self.assertEqual((error.code, error.scope, error.data["path"]), ("INVALID_MESSAGE", "message", "draft.tokens[1]"))
        error = await refused({**base, "tokens": [self.vocab]})
        self.assertEqual((error.code, error.scope), ("TOKEN_OUT_OF_RANGE", "message"))
        too_long = connection.limits["maxDraftTokens"] + 1
        error = await refused({**base, "tokens": [1] * too_long})
        self.assertEqual((error.code, error.scope), ("DRAFT_TOO_LONG", "message"))
        # Message-scope refusals changed nothing: round 0 still goes through.
        await session.step(connection, [], sc.decide_greedy)
        # A round the server does not expect drops the session; resume brings it back.
        error = await refused({**base, "round": 7, "tokens": []})
        self.assertEqual((error.code, error.scope, error.retryable), ("OUT_OF_ORDER_ROUND", "session", True))
        self.assertEqual((await connection.next("py-bad"))["reason"], "error")
        resumed = await session.resume(connection)
        self.assertEqual(resumed["round"], 1)
        await session.step(connection, [], sc.decide_greedy)
        await session.close(connection)
        # Text that is not JSON ends the connection: BAD_FRAME, close code 1002.
        await connection.send_text("{not json")
        frame = await connection.next(None)
        self.assertEqual(sc.SpecSteerError.from_frame(frame).code, "BAD_FRAME")
        with self.assertRaises(sc.ConnectionLost):
            await connection.next(None)
        self.assertEqual(connection.close_code, 1002)


if __name__ == "__main__":
    unittest.main()
