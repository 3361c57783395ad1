import type { ConfirmationStore, PeerRecord } from '../../../src/store/confirmation-store.ts';
import { assertConfirmation, assertPeerId } from '../../../src/store/validation.ts';
import type { PgContext } from './context.ts';
import type { PgRow } from './rows.ts';
import { CONFIRMATION_COLUMNS, toConfirmation } from '../sql/rows.ts';
import type { ScopedPort } from '../../../src/store/dataset-scoped.ts';


export function postgresConfirmationStore(ctx: PgContext): ScopedPort<ConfirmationStore> {
  return {
    registerPeer: async (datasetId, peerId, options = {}) => {
      assertPeerId(peerId);
      const ds = await ctx.dataset(datasetId);
      // A repeated registration keeps the watermarks, the active flag and registeredAt; it only updates a given address.
      await ds.write('confirmations.registerPeer', (q) =>
        q(
          `INSERT INTO ${ds.s}.peers (peer_id, address, active, registered_at) VALUES ($1, $2, true, $3)
           ON CONFLICT (peer_id) DO UPDATE SET address = coalesce(excluded.address, peers.address)`,
          [peerId, options.address ?? null, Date.now()],
        ),
      );
    },
    listPeers: async (datasetId) => {
      const ds = await ctx.dataset(datasetId);
      return (await ds.query(`SELECT peer_id, address, active, registered_at FROM ${ds.s}.peers ORDER BY peer_id`)).map(toPeer);
    },
    setPeerActive: async (datasetId, peerId, active) => {
      assertPeerId(peerId);
      const ds = await ctx.dataset(datasetId);
      await ds.write('confirmations.setPeerActive', (q) => q(`UPDATE ${ds.s}.peers SET active = $1 WHERE peer_id = $2`, [active === true, peerId]));
    },
    removePeer: async (datasetId, peerId) => {
      assertPeerId(peerId);
      const ds = await ctx.dataset(datasetId);
      return ds.write('confirmations.removePeer', async (q) => {
        const [removed] = await Promise.all([q(`DELETE FROM ${ds.s}.peers WHERE peer_id = $1 RETURNING 1`, [peerId]), q(`DELETE FROM ${ds.s}.confirmations WHERE peer_id = $1`, [peerId])]);
        return removed.length > 0;
      });
    },
    confirm: async (datasetId, rawPeer, rawAuthor, rawHlc, rawHash) => {
      const { peerId, authorId, hlc: t, hash } = assertConfirmation(rawPeer, rawAuthor, rawHlc, rawHash);
      const ds = await ctx.dataset(datasetId);
      // Forward only, decided against the row as it stands at the write: no writer is overtaken.
      return ds.write('confirmations.confirm', async (q) => {
        const moved = await q(
          `INSERT INTO ${ds.s}.confirmations (${CONFIRMATION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (peer_id, author_id) DO UPDATE SET wall = excluded.wall, logic = excluded.logic, node = excluded.node, hash = excluded.hash, confirmed_at = excluded.confirmed_at
           WHERE (excluded.wall, excluded.logic, excluded.node) > (confirmations.wall, confirmations.logic, confirmations.node)
           RETURNING 1`,
          [peerId, authorId, t.wall, t.logic, t.nodeId, hash, Date.now()],
        );
        return moved.length > 0;
      });
    },
    confirmations: async (datasetId, peerId) => {
      if (peerId !== undefined) assertPeerId(peerId);
      const ds = await ctx.dataset(datasetId);
      const rows = await ds.query(`SELECT ${CONFIRMATION_COLUMNS} FROM ${ds.s}.confirmations WHERE $1::text IS NULL OR peer_id = $1::text ORDER BY peer_id, author_id`, [peerId ?? null]);
      return rows.map(toConfirmation);
    },
  };
}

function toPeer(row: PgRow): PeerRecord {
  return { peerId: row.peer_id as string, address: row.address as string | null, active: row.active === true, registeredAt: Number(row.registered_at) };
}
