// ping → pong: keeps an idle connection alive through proxies and measures
// the round-trip time without touching any session.

import { z } from 'zod';

const NonceSchema = z.string().max(64).optional();

export const PingSchema = z
  .looseObject({ type: z.literal('ping'), nonce: NonceSchema })
  .meta({ id: 'Ping', description: 'client → server: liveness check.' });
export type Ping = z.infer<typeof PingSchema>;

export const PongSchema = z
  .looseObject({ type: z.literal('pong'), nonce: NonceSchema })
  .meta({ id: 'Pong', description: 'server → client: answer to ping, echoing its nonce.' });
export type Pong = z.infer<typeof PongSchema>;
