import websocket from '@fastify/websocket';
import fp from 'fastify-plugin';
import { chooseSubprotocol } from '../transport/subprotocol.ts';

// @fastify/websocket, configured so that a frame somewhat over the announced
// limit still arrives and is answered with BAD_FRAME (ws itself would only
// close with 1009); frames beyond twice the limit are cut off by ws. Shutdown
// is ours: the connection registry drains sessions before the server closes.

export default fp(
  async (fastify) => {
    const { maxFrameBytes, shutdownGraceMs } = fastify.config;
    await fastify.register(websocket, {
      options: {
        maxPayload: 2 * maxFrameBytes,
        perMessageDeflate: false,
        handleProtocols: (offered) => chooseSubprotocol(offered),
      },
      // Socket-level errors are the device's doing (invalid UTF-8, a frame past maxPayload, a reset):
      // worth a line, not an error-level alarm. The message is ws's own, never frame content.
      errorHandler: (error, socket, request) => {
        request.log.info({ reason: error.message }, 'socket error; connection dropped');
        // For a protocol error (a frame past maxPayload: 1009, invalid UTF-8: 1007) ws has already
        // sent its close frame: let the device read it, and cut the socket only if it never answers.
        if (socket.readyState === socket.CLOSING) {
          setTimeout(() => socket.terminate(), 1_000).unref();
          return;
        }
        socket.terminate();
      },
      preClose: async function () {
        const outcome = await fastify.connections.shutdown(shutdownGraceMs);
        fastify.log.info(outcome, 'connections drained');
        fastify.websocketServer.close();
      },
    });
  },
  { name: 'specsteer-websocket', dependencies: ['specsteer-config'] },
);
