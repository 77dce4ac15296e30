import { randomUUID } from 'node:crypto';
import { VerifierConversation, type ConversationHooks } from '@specsteer/core';
import { ErrorCode, SpecSteerError } from '@specsteer/protocol';
import type { FastifyPluginAsync } from 'fastify';
import { conversationOptions } from '../../backends/backend.ts';
import { limitsOf } from '../../config/load.ts';
import { capacityOf, fitLimitsToBackend } from '../limits/fit-limits.ts';
import { ApiKeyRegistry, type Caller } from '../auth/api-key-registry.ts';
import { ByteBudgets } from '../limits/byte-budget.ts';
import { UnauthenticatedConnections } from '../limits/unauthenticated-connections.ts';
import { DeviceConnection } from '../transport/device-connection.ts';
import { originAllowed } from '../transport/origin-policy.ts';
import { SUBPROTOCOL, isBearerSubprotocol, upgradeApiKey } from '../transport/subprotocol.ts';

// GET /v1/ws: the protocol endpoint. Each connection gets one core
// VerifierConversation over the backend's scorers, wrapped in a
// DeviceConnection for the transport's concerns. Refusals that need a coded
// answer (origin, bad key) happen after the upgrade so the device can read
// the error frame; refusals of capacity happen before, with HTTP 503.

export const VERIFIER_SOCKET_PATH = '/v1/ws';
const SERVER_INFO = { name: '@specsteer/verifier', version: '0.1.0' };

const verifierSocketRoute: FastifyPluginAsync = async (fastify) => {
  const { config, backend, metrics, connections, roundRateLimiter, openRateLimiter } = fastify;
  const { limits, narrowed } = fitLimitsToBackend(limitsOf(config), capacityOf(backend));
  if (narrowed.length > 0)
    fastify.log.warn({ narrowed, limits }, 'limits narrowed to what the backend can serve');
  const apiKeys = new ApiKeyRegistry(config.apiKeys);
  const byteBudgets = new ByteBudgets(config.frameBytesPerSecond, config.frameBytesPerSecond);
  const unauthenticated = new UnauthenticatedConnections(
    config.maxUnauthenticatedPerAddress,
    Math.max(1, Math.floor(config.maxConnections / 2)),
  );

  fastify.get(
    VERIFIER_SOCKET_PATH,
    {
      websocket: true,
      preValidation: async (request, reply) => {
        // A key in the URL ends up in proxy and access logs: refuse it, and every other query string.
        if (request.url.includes('?')) {
          metrics.upgradeRejected('query-string');
          return reply.code(400).send({
            error:
              'no query string on this endpoint: send the API key as Authorization: Bearer, a specsteer.bearer subprotocol or hello.apiKey',
          });
        }
        // Answering a lone bearer subprotocol would echo the key in a response header; answering none
        // fails the handshake in browsers. Say why instead.
        const offered = (request.headers['sec-websocket-protocol'] ?? '')
          .split(',')
          .map((p) => p.trim())
          .filter((p) => p !== '');
        if (offered.length > 0 && offered.every((p) => isBearerSubprotocol(p))) {
          metrics.upgradeRejected('bearer-subprotocol-alone');
          return reply.code(400).send({
            error: `offer the "${SUBPROTOCOL}" subprotocol along with the bearer one: ['${SUBPROTOCOL}', 'specsteer.bearer.<key>']`,
          });
        }
        if (connections.shuttingDown) {
          metrics.upgradeRejected('shutting-down');
          return reply.code(503).send({ error: 'shutting down; connect to another replica' });
        }
        if (connections.size >= config.maxConnections) {
          metrics.upgradeRejected('capacity');
          return reply
            .code(503)
            .send({ error: 'this replica holds its maximum of connections; retry later' });
        }
        const key = upgradeApiKey(request.headers);
        if (key !== undefined && apiKeys.authenticate(key) !== undefined) return;
        const refusal = unauthenticated.refusal(request.ip);
        if (refusal !== null) {
          metrics.upgradeRejected(`unauthenticated-${refusal}`);
          return reply.code(429).send({
            error:
              refusal === 'per-address'
                ? 'too many connections from this address have not completed hello; finish one or send the API key on the upgrade'
                : 'too many connections have not completed hello; retry later or send the API key on the upgrade',
          });
        }
      },
    },
    (socket, request) => {
      const id = randomUUID();
      const log = request.log.child({ conn: id });
      let caller: Caller = { id: `addr:${request.ip}` };
      const presentedKey = upgradeApiKey(request.headers);
      const upgradeCaller =
        presentedKey === undefined ? undefined : apiKeys.authenticate(presentedKey);
      if (upgradeCaller !== undefined) caller = upgradeCaller;
      // Counted until welcome (or close): a key on the upgrade needs no counting.
      const releaseUnauthenticated =
        upgradeCaller === undefined ? unauthenticated.add(request.ip) : () => undefined;

      const hooks: ConversationHooks = {
        roundVerified: (event) => {
          metrics.roundVerified(event.drafted, (event.scoreMs + event.verifyMs) / 1000);
          log.debug(
            { drafted: event.drafted, scoreMs: event.scoreMs, verifyMs: event.verifyMs },
            'round verified',
          );
        },
        tokensCommitted: (event) => metrics.tokensKept(event.kept),
        error: (event) => {
          metrics.errorSent(event.code);
          log[event.scope === 'connection' ? 'info' : 'debug'](
            { code: event.code, scope: event.scope },
            'error sent',
          );
        },
        sessionOpened: (event) => {
          metrics.sessionOpened();
          log.debug({ resumed: event.resumed }, 'session opened');
        },
        sessionClosed: (event) => {
          metrics.sessionClosed();
          log.debug({ reason: event.reason, outputTokens: event.outputTokens }, 'session closed');
        },
        internalError: (error, during) => log.error({ err: error, during }, 'internal error'),
      };

      const conversation = new VerifierConversation({
        ...conversationOptions(backend, limits),
        // A key checked on the upgrade stands for the connection; otherwise hello must carry one.
        ...(!apiKeys.open && {
          authenticate: (key: string | undefined) => {
            if (upgradeCaller !== undefined) return true;
            const found = key === undefined ? undefined : apiKeys.authenticate(key);
            if (found !== undefined) caller = found;
            return found !== undefined;
          },
        }),
        hooks,
        server: SERVER_INFO,
      });
      const connection = new DeviceConnection({
        id,
        socket,
        conversation,
        limits,
        caller: () => caller,
        rateLimiter: roundRateLimiter,
        openRateLimiter,
        metrics,
        log,
        helloTimeoutMs: config.helloTimeoutMs,
        spendBytes: (bytes) => byteBudgets.spend(request.ip, bytes),
        onWelcome: releaseUnauthenticated,
      });
      connections.add(connection);
      metrics.connectionOpened();
      socket.once('close', (code) => {
        releaseUnauthenticated();
        connections.delete(connection);
        metrics.connectionClosed();
        void connection.release(code);
      });
      log.info(
        { caller: caller.id.startsWith('key:') ? caller.id : 'anonymous' },
        'connection opened',
      );

      if (!originAllowed(request.headers.origin, config.allowedOrigins)) {
        return connection.refuseAndClose(
          new SpecSteerError(
            ErrorCode.FORBIDDEN_ORIGIN,
            'this origin may not use the verifier; add it to SPECSTEER_ALLOWED_ORIGINS on the server',
          ),
        );
      }
      if (presentedKey !== undefined && upgradeCaller === undefined) {
        return connection.refuseAndClose(
          new SpecSteerError(
            ErrorCode.UNAUTHORIZED,
            'the API key on the upgrade request was not accepted',
          ),
        );
      }
    },
  );
};

export default verifierSocketRoute;
