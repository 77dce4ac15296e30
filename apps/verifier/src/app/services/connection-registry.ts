import fp from 'fastify-plugin';

// Every open WebSocket connection of this instance, so that shutdown can stop
// accepting, let rounds in flight finish, and close each connection with
// SERVER_SHUTTING_DOWN. The registry knows connections only through this
// small interface: ids and counts, never what they carry.

export interface RegisteredConnection {
  readonly id: string;
  /** Finish the round in flight, send SERVER_SHUTTING_DOWN, close. Resolves when the socket is closed. */
  drain(): Promise<void>;
  /** Close now, without waiting (after the grace period). */
  terminate(): void;
  /** Drop idle sessions, or the whole connection when it is idle and empty. */
  sweepIdle(): Promise<void>;
}

export class ConnectionRegistry {
  private readonly connections = new Map<string, RegisteredConnection>();
  private draining = false;

  get shuttingDown(): boolean {
    return this.draining;
  }

  get size(): number {
    return this.connections.size;
  }

  add(connection: RegisteredConnection): void {
    this.connections.set(connection.id, connection);
  }

  delete(connection: RegisteredConnection): void {
    this.connections.delete(connection.id);
  }

  /** Check every connection for idleness; a failing check is logged by the caller, never thrown. */
  async sweepIdle(): Promise<void> {
    await Promise.allSettled(
      [...this.connections.values()].map((connection) => connection.sweepIdle()),
    );
  }

  /** Drain every connection; after `graceMs` terminate those still open. Returns how many had to be terminated. */
  async shutdown(graceMs: number): Promise<{ drained: number; terminated: number }> {
    this.draining = true;
    const open = [...this.connections.values()];
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace-over'>((resolve) => {
      timer = setTimeout(() => resolve('grace-over'), graceMs);
    });
    const drained = Promise.allSettled(open.map((connection) => connection.drain())).then(
      () => 'drained' as const,
    );
    const outcome = await Promise.race([drained, graceOver]);
    clearTimeout(timer);
    const stragglers = [...this.connections.values()];
    if (outcome === 'grace-over') for (const connection of stragglers) connection.terminate();
    return {
      drained: open.length - stragglers.length,
      terminated: outcome === 'grace-over' ? stragglers.length : 0,
    };
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    connections: ConnectionRegistry;
  }
}

export default fp(
  async (fastify) => {
    const registry = new ConnectionRegistry();
    fastify.decorate('connections', registry);
    // Idle sessions are found within a quarter of the timeout (at most a second late).
    const period = Math.min(1_000, Math.max(50, Math.floor(fastify.config.idleTimeoutMs / 4)));
    let sweeping = false;
    const sweeper = setInterval(() => {
      if (sweeping) return;
      sweeping = true;
      void registry.sweepIdle().finally(() => {
        sweeping = false;
      });
    }, period);
    sweeper.unref();
    fastify.addHook('onClose', async () => clearInterval(sweeper));
  },
  { name: 'specsteer-connection-registry', dependencies: ['specsteer-config'] },
);
