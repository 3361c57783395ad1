import type { Sql } from 'postgres';
import { SluiceError } from '../../../src/core/errors.ts';
import type { JsonValue } from '../../../src/core/json.ts';
import type { NodeBroadcast } from '../../../src/store/storage-adapter.ts';

/** NOTIFY payloads stop at 8000 bytes; a message gets half, the envelope the rest. */
const MAX_MESSAGE_BYTES = 4096;

/**
 * Node-level messages between the hubs over one database (a revocation, for one), on one NOTIFY
 * channel per schema prefix. Each payload names the adapter instance that sent it, so an instance
 * never hears its own; anything else on the channel is checked like any input by its listener.
 */
export function postgresBroadcast(sql: () => Sql, channel: string, writerId: string): NodeBroadcast {
  return {
    async publish(topic, message) {
      const body = JSON.stringify(message);
      if (new TextEncoder().encode(body).length > MAX_MESSAGE_BYTES) {
        throw new SluiceError('payload_too_large', `A broadcast message is limited to ${MAX_MESSAGE_BYTES} bytes of JSON.`, { topic });
      }
      await sql().notify(channel, JSON.stringify({ w: writerId, t: topic, m: message }));
    },
    async subscribe(topic, listener) {
      const { unlisten } = await sql().listen(channel, (payload) => {
        let parsed: { w?: unknown; t?: unknown; m?: JsonValue };
        try {
          parsed = JSON.parse(payload) as typeof parsed;
        } catch {
          return;
        }
        if (parsed?.w === writerId || parsed?.t !== topic) return;
        listener(parsed.m);
      });
      return unlisten;
    },
  };
}
