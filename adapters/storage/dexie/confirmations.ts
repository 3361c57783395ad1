import { assertHlc, compareHlc } from '../../../src/core/hlc.ts';
import type { ConfirmationStore } from '../../../src/store/confirmation-store.ts';
import { assertPeerId } from '../../../src/store/validation.ts';
import type { DexieContext } from './context.ts';
import { prefixRange, toConfirmation, toPeer, type ConfirmationKey, type PeerKey } from './rows.ts';
import type { ScopedPort } from '../../../src/store/dataset-scoped.ts';

export function dexieConfirmationStore(ctx: DexieContext): ScopedPort<ConfirmationStore> {
  return {
    registerPeer: async (datasetId, peerId, options = {}) => {
      ctx.check(datasetId);
      assertPeerId(peerId);
      const id: PeerKey = [datasetId, peerId];
      await ctx.write(datasetId, ['peers'], async (t) => {
        const existing = await t.peers.get(id);
        await t.peers.put({
          datasetId,
          peerId,
          address: options.address ?? existing?.address ?? null,
          active: existing?.active ?? true,
          registeredAt: existing?.registeredAt ?? Date.now(),
        });
        ctx.commit('confirmations.registerPeer');
      });
    },

    listPeers: async (datasetId) => {
      ctx.check(datasetId);
      const rows = await ctx.read(datasetId, ['peers'], (t) => t.peers.where(':id').between(...prefixRange(datasetId), true, true).toArray());
      return rows.map(toPeer);
    },

    setPeerActive: async (datasetId, peerId, active) => {
      ctx.check(datasetId);
      const id: PeerKey = [datasetId, assertPeerId(peerId)];
      await ctx.write(datasetId, ['peers'], async (t) => {
        const existing = await t.peers.get(id);
        if (!existing) return;
        await t.peers.put({ ...existing, active });
        ctx.commit('confirmations.setPeerActive');
      });
    },

    removePeer: async (datasetId, peerId) => {
      ctx.check(datasetId);
      assertPeerId(peerId);
      return ctx.write(datasetId, ['peers', 'confirmations'], async (t) => {
        const existed = (await t.peers.where(':id').equals([datasetId, peerId]).count()) > 0;
        await t.peers.delete([datasetId, peerId]);
        await t.confirmations.where(':id').between(...prefixRange(datasetId, peerId), true, true).delete();
        ctx.commit('confirmations.removePeer');
        return existed;
      });
    },

    confirm: async (datasetId, peerId, authorId, hlc, hash) => {
      ctx.check(datasetId);
      assertPeerId(peerId);
      assertPeerId(authorId, 'authorId');
      const at = assertHlc(hlc);
      const id: ConfirmationKey = [datasetId, peerId, authorId];
      return ctx.write(datasetId, ['confirmations'], async (t) => {
        const current = await t.confirmations.get(id);
        if (current && compareHlc(at, { wall: current.wall, logic: current.logic, nodeId: current.node }) <= 0) return false;
        await t.confirmations.put({ datasetId, peerId, authorId, wall: at.wall, logic: at.logic, node: at.nodeId, hash, confirmedAt: Date.now() });
        ctx.commit('confirmations.confirm');
        return true;
      });
    },

    confirmations: async (datasetId, peerId) => {
      ctx.check(datasetId);
      if (peerId !== undefined && typeof peerId !== 'string') return [];
      const [start, end] = peerId === undefined ? prefixRange(datasetId) : prefixRange(datasetId, peerId);
      const rows = await ctx.read(datasetId, ['confirmations'], (t) => t.confirmations.where(':id').between(start, end, true, true).toArray());
      return rows.map(toConfirmation);
    },
  };
}
