// What the client session loop needs from a connection to a verifier: send a
// message, receive the next one in order, learn when it drops. Implemented by
// the in-memory pair (tests, in-process runs) and the WebSocket transport.

import type { ClientMessageInput, ServerMessage } from '@specsteer/protocol';

/** Why a transport closed: `local` when this side called close(). */
export interface TransportCloseInfo {
  initiator: 'local' | 'remote';
  /** WebSocket close code when there was one. */
  code?: number;
  reason: string;
}

/** Raised by send/receive on a transport that has closed; the session loop resumes on it. */
export class TransportClosedError extends Error {
  readonly code = 'TRANSPORT_CLOSED' as const;
  constructor(readonly info: TransportCloseInfo) {
    super(
      `connection closed (${info.initiator}${info.code !== undefined ? `, code ${info.code}` : ''}): ${info.reason}`,
    );
    this.name = 'TransportClosedError';
  }
}

export interface ClientTransport {
  /** Queue a message for the server; throws TransportClosedError once closed. */
  send(message: ClientMessageInput): void;
  /**
   * The next server message in arrival order. Messages that arrived before a
   * drop are still delivered; after them it rejects with TransportClosedError.
   */
  receive(): Promise<ServerMessage>;
  /** Close from this side (idempotent). */
  close(reason?: string): void;
  /** Called once when the transport closes, from either side. */
  onClose(listener: (info: TransportCloseInfo) => void): void;
  readonly closed: boolean;
}

/** Opens a fresh connection (to any replica); the session loop calls it again to reconnect. */
export type TransportFactory = () => Promise<ClientTransport>;
