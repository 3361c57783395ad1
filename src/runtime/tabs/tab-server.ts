import { SluiceError } from '../../core/errors.ts';
import type { PipelineApi } from '../pipeline/pipeline-api.ts';
import { serializeError } from '../worker/error-transfer.ts';
import { SHARED_METHODS, type SharedMethod, type TabMessage } from './tab-messages.ts';

const ALLOWED: ReadonlySet<string> = new Set(SHARED_METHODS);

/**
 * The leader's side, run inside its dataset worker: answers every tab's calls on the channel and
 * broadcasts committed changes. Nothing goes through the leader tab's main thread. Messages come
 * from same-origin code only (BroadcastChannel never crosses origins), but are still checked for
 * shape: a malformed one is dropped, an unknown method is refused.
 */
export function serveTabs(channelName: string, pipeline: PipelineApi, nodeId: string): { epoch: string; close(): void } {
  const channel = new BroadcastChannel(channelName);
  const epoch = crypto.randomUUID();
  const post = (message: TabMessage) => channel.postMessage(message);
  channel.onmessage = (event: MessageEvent<TabMessage>) => {
    const msg = event.data;
    if (msg === null || typeof msg !== 'object') return;
    if (msg.t === 'hello') {
      post({ t: 'leader', epoch, nodeId });
      return;
    }
    if (msg.t !== 'call' || msg.to !== epoch || typeof msg.tab !== 'string' || typeof msg.id !== 'number' || !Array.isArray(msg.a)) return;
    const { tab, id } = msg;
    const run = async () => {
      if (!ALLOWED.has(msg.m)) throw new SluiceError('invalid_options', `Tabs cannot call ${String(msg.m).slice(0, 40)} on the shared pipeline.`);
      return (pipeline[msg.m as SharedMethod] as (...args: unknown[]) => Promise<unknown>).apply(pipeline, msg.a);
    };
    run().then(
      (v) => post({ t: 'reply', tab, id, ok: true, v }),
      (error: unknown) => post({ t: 'reply', tab, id, ok: false, e: serializeError(error) }),
    );
  };
  void pipeline.setChangeListener((c) => post({ t: 'changes', epoch, c }));
  void pipeline.setRevokedListener((e) => post({ t: 'revoked', epoch, e }));
  post({ t: 'leader', epoch, nodeId });
  return {
    epoch,
    close: () => {
      channel.onmessage = null;
      channel.close();
    },
  };
}
