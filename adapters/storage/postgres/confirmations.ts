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
          `INSERT INTO ${ds.s}.peers (${ds.column}peer_id, address, active, registered_at) VALUES (${ds.value(4)}$1, $2, true, $3)
           ON CONFLICT (${ds.column}peer_id) DO UPDATE SET address = coalesce(excluded.address, peers.address)`,
          ds.args([peerId, options.address ?? null, Date.now()]),
        ),
      );
    },
    listPeers: async (datasetId) => {
      const ds = await ctx.dataset(datasetId);
      return (await ds.query(`SELECT peer_id, address, active, registered_at FROM ${ds.s}.peers${ds.rowsOf(1)} ORDER BY peer_id`, ds.args([]))).map(toPeer);
    },
    setPeerActive: async (datasetId, peerId, active) => {
      assertPeerId(peerId);
      const ds = await ctx.dataset(datasetId);
      await ds.write('confirmations.setPeerActive', (q) => q(`UPDATE ${ds.s}.peers SET active = $1 WHERE ${ds.and(3)}peer_id = $2`, ds.args([active === true, peerId])));
    },
    removePeer: async (datasetId, peerId) => {
      assertPeerId(peerId);
      const ds = await ctx.dataset(datasetId);
      return ds.write('confirmations.removePeer', async (q) => {
        const [removed] = await Promise.all([q(`DELETE FROM ${ds.s}.peers WHERE ${ds.and(2)}peer_id = $1 RETURNING 1`, ds.args([peerId])), q(`DELETE FROM ${ds.s}.confirmations WHERE ${ds.and(2)}peer_id = $1`, ds.args([peerId]))]);
        return removed.length > 0;
      });
    },
    confirm: async (datasetId, rawPeer, rawAuthor, rawHlc, rawHash) => {
      const { peerId, authorId, hlc: t, hash } = assertConfirmation(rawPeer, rawAuthor, rawHlc, rawHash);
      const ds = await ctx.dataset(datasetId);
      // Forward only, decided against the row as it stands at the write: no writer is overtaken.
      return ds.write('confirmations.confirm', async (q) => {
        const moved = await q(
          `INSERT INTO ${ds.s}.confirmations (${ds.column}${CONFIRMATION_COLUMNS}) VALUES (${ds.value(8)}$1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (${ds.column}peer_id, author_id) DO UPDATE SET wall = excluded.wall, logic = excluded.logic, node = excluded.node, hash = excluded.hash, confirmed_at = excluded.confirmed_at
           WHERE (excluded.wall, excluded.logic, excluded.node) > (confirmations.wall, confirmations.logic, confirmations.node)
           RETURNING 1`,
          ds.args([peerId, authorId, t.wall, t.logic, t.nodeId, hash, Date.now()]),
        );
        return moved.length > 0;
      });
    },
    confirmations: async (datasetId, peerId) => {
      if (peerId !== undefined) assertPeerId(peerId);
      const ds = await ctx.dataset(datasetId);
      const rows = await ds.query(`SELECT ${CONFIRMATION_COLUMNS} FROM ${ds.s}.confirmations WHERE ${ds.and(2)}($1::text IS NULL OR peer_id = $1::text) ORDER BY peer_id, author_id`, ds.args([peerId ?? null]));
      return rows.map(toConfirmation);
    },
  };
}

function toPeer(row: PgRow): PeerRecord {
  return { peerId: row.peer_id as string, address: row.address as string | null, active: row.active === true, registeredAt: Number(row.registered_at) };
}
