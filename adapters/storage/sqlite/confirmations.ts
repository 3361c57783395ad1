import { compareHlc } from '../../../src/core/hlc.ts';
import type { ConfirmationStore, PeerRecord } from '../../../src/store/confirmation-store.ts';
import { assertConfirmation, assertPeerId } from '../../../src/store/validation.ts';
import type { SqliteRow } from './driver.ts';
import type { StoreContext } from './context.ts';
import { CONFIRMATION_COLUMNS, toConfirmation } from '../sql/rows.ts';
import type { ScopedPort } from '../../../src/store/dataset-scoped.ts';


const SQL = {
  // A repeated registration keeps the watermarks, the active flag and registeredAt; it only updates a given address.
  register: `
    INSERT INTO peers (dataset_id, peer_id, address, active, registered_at) VALUES (?, ?, ?, 1, ?)
    ON CONFLICT (dataset_id, peer_id) DO UPDATE SET address = coalesce(excluded.address, peers.address)`,
  peers: 'SELECT peer_id, address, active, registered_at FROM peers WHERE dataset_id = ? ORDER BY peer_id',
  peerExists: 'SELECT 1 AS found FROM peers WHERE dataset_id = ? AND peer_id = ?',
  setActive: 'UPDATE peers SET active = ? WHERE dataset_id = ? AND peer_id = ?',
  removePeer: 'DELETE FROM peers WHERE dataset_id = ? AND peer_id = ?',
  removeConfirmations: 'DELETE FROM confirmations WHERE dataset_id = ? AND peer_id = ?',
  current: 'SELECT wall, logic, node FROM confirmations WHERE dataset_id = ? AND peer_id = ? AND author_id = ?',
  // The WHERE repeats the forward-only check so that a writer in another process cannot be overtaken.
  confirm: `
    INSERT INTO confirmations (dataset_id, ${CONFIRMATION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (dataset_id, peer_id, author_id) DO UPDATE SET
      wall = excluded.wall, logic = excluded.logic, node = excluded.node, hash = excluded.hash, confirmed_at = excluded.confirmed_at
    WHERE excluded.wall > confirmations.wall
       OR (excluded.wall = confirmations.wall AND (excluded.logic > confirmations.logic
       OR (excluded.logic = confirmations.logic AND excluded.node > confirmations.node)))`,
  all: `SELECT ${CONFIRMATION_COLUMNS} FROM confirmations WHERE dataset_id = ? ORDER BY peer_id, author_id`,
  ofPeer: `SELECT ${CONFIRMATION_COLUMNS} FROM confirmations WHERE dataset_id = ? AND peer_id = ? ORDER BY author_id`,
};

export function sqliteConfirmationStore(ctx: StoreContext): ScopedPort<ConfirmationStore> {
  return {
    registerPeer: async (datasetId, peerId, options = {}) => {
      const session = ctx.session(datasetId);
      assertPeerId(peerId);
      session.write('confirmations.registerPeer', () => {
        session.statement(SQL.register).run(datasetId, peerId, options.address ?? null, Date.now());
      });
    },
    listPeers: async (datasetId) => ctx.session(datasetId).statement(SQL.peers).all(datasetId).map(toPeer),
    setPeerActive: async (datasetId, peerId, active) => {
      const session = ctx.session(datasetId);
      assertPeerId(peerId);
      if (!session.statement(SQL.peerExists).get(datasetId, peerId)) return;
      session.write('confirmations.setPeerActive', () => {
        session.statement(SQL.setActive).run(active ? 1 : 0, datasetId, peerId);
      });
    },
    removePeer: async (datasetId, peerId) => {
      const session = ctx.session(datasetId);
      assertPeerId(peerId);
      return session.write('confirmations.removePeer', () => {
        const removed = session.statement(SQL.removePeer).run(datasetId, peerId).changes > 0;
        session.statement(SQL.removeConfirmations).run(datasetId, peerId);
        return removed;
      });
    },
    confirm: async (datasetId, rawPeer, rawAuthor, rawHlc, rawHash) => {
      const session = ctx.session(datasetId);
      const { peerId, authorId, hlc: t, hash } = assertConfirmation(rawPeer, rawAuthor, rawHlc, rawHash);
      const current = session.statement(SQL.current).get(datasetId, peerId, authorId);
      if (current && compareHlc(t, { wall: Number(current.wall), logic: Number(current.logic), nodeId: current.node as string }) <= 0) return false;
      return session.write('confirmations.confirm', () => {
        const { changes } = session.statement(SQL.confirm).run(datasetId, peerId, authorId, t.wall, t.logic, t.nodeId, hash, Date.now());
        return changes > 0;
      });
    },
    confirmations: async (datasetId, peerId) => {
      const session = ctx.session(datasetId);
      const rows = peerId === undefined ? session.statement(SQL.all).all(datasetId) : session.statement(SQL.ofPeer).all(datasetId, peerId);
      return rows.map(toConfirmation);
    },
  };
}

function toPeer(row: SqliteRow): PeerRecord {
  return {
    peerId: row.peer_id as string,
    address: row.address as string | null,
    active: Number(row.active) !== 0,
    registeredAt: Number(row.registered_at),
  };
}
