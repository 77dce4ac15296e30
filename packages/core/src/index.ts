// @specsteer/core: the Draft–Verify–Recover math and loop, engine interfaces,
// chat template, tokenizer fingerprint, transports, the server conversation,
// the baselines and per-run metrics. No Node or DOM APIs.

export * from './engine.ts';
export * from './math/index.ts';
export * from './math/position-score.ts';
export * from './rng.ts';

export * from './chat/offlineTemplate.ts';
export * from './chat/chatmlTemplate.ts';
export * from './tokenizer/fingerprint.ts';

export * from './metrics/clock.ts';
export * from './metrics/runMetrics.ts';

export * from './transport/clientTransport.ts';
export * from './transport/messageQueue.ts';
export * from './transport/inMemoryTransport.ts';
export * from './transport/latencyTransport.ts';
export * from './transport/webSocketTransport.ts';

export * from './server/conversationHooks.ts';
export * from './server/scoreRound.ts';
export * from './server/verifierConversation.ts';

export * from './session/generationResult.ts';
export * from './session/tokenOrigin.ts';
export * from './session/specSteerSession.ts';
export * from './session/adaptiveDraft.ts';

export * from './baselines/cloudOnly.ts';
export * from './baselines/localOnly.ts';
export * from './baselines/tokenFusion.ts';
export * from './baselines/exactFusion.ts';

export * from './testing/probabilityTable.ts';
export * from './testing/tableDrafter.ts';
export * from './testing/tableScorer.ts';
export * from './testing/tableVerifier.ts';
export * from './retrieval/retrieveHistory.ts';
