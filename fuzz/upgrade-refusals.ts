import { WebSocket } from 'ws';
import { upgradeUrl } from '../adapters/transport/websocket/upgrade-params.ts';
import { PROTOCOL_VERSION } from '../src/protocol/messages.ts';
import { CLOSE_CODES } from '../src/protocol/transport.ts';
import { encodeFrame } from '../src/protocol/wire-codec.ts';

/*
 * Upgrades a router in front of the hubs (routeToHub) must refuse before they reach an object: a
 * missing or wrong token in the URL, for a served dataset or for a name no object exists for, and,
 * with the right token, a name that is no dataset or one the hub does not serve.
 *
 * A refusal may be an HTTP answer (401; 400/403/404 for the dataset), or a socket the router opens
 * only to answer the handshake with the refusal and close it with sluice's close code (4401, 4403),
 * as a hub refuses a handshake. Either counts; what must not happen is an accepted handshake, or an
 * object coming into existence for an upgrade without the right token (the caller checks that).
 */

export type RefusalKind = 'auth' | 'dataset';

export interface UpgradeTry {
  readonly url: string;
  readonly expect: RefusalKind;
  readonly what: string;
}

/** The upgrades to try against a router at `base` (ws://host:port/path) whose hubs take `token`. */
export function upgradeTries(base: string, token: string, servedDatasets: readonly string[], noObjectName: string, unservedName: string): UpgradeTry[] {
  const wrong = ['wrong', `${token}x`, token.slice(0, -1), token.toUpperCase(), ` ${token}`];
  const tries: UpgradeTry[] = [];
  for (const ds of [...servedDatasets, noObjectName]) {
    tries.push({ url: upgradeUrl(base, ds, ''), expect: 'auth', what: `no token, dataset ${ds}` });
    for (const t of wrong) tries.push({ url: upgradeUrl(base, ds, t), expect: 'auth', what: `wrong token ${JSON.stringify(t.slice(0, 12))}, dataset ${ds}` });
  }
  tries.push({ url: `${base}?sluice_token=`, expect: 'auth', what: 'empty token, no dataset' });
  for (const ds of ['../primary', 'primary/../../etc', 'Nope', '']) tries.push({ url: upgradeUrl(base, ds, token), expect: 'dataset', what: `right token, invalid dataset ${JSON.stringify(ds)}` });
  tries.push({ url: upgradeUrl(base, unservedName, token), expect: 'dataset', what: 'right token, a dataset the hub does not serve' });
  return tries;
}

/** How the upgrade went, in words for the report; `kind` says which refusal it was, if one. */
export async function tryUpgrade(t: UpgradeTry): Promise<{ kind: RefusalKind | undefined; how: string }> {
  const url = new URL(t.url);
  const token = url.searchParams.get('sluice_token') ?? '';
  const datasetId = url.searchParams.get('sluice_dataset') ?? 'primary';
  return new Promise((resolve) => {
    const ws = new WebSocket(t.url, { perMessageDeflate: false, handshakeTimeout: 5_000 });
    let answered = '';
    const done = (kind: RefusalKind | undefined, how: string) => {
      clearTimeout(timer);
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      ws.terminate();
      resolve({ kind, how });
    };
    const timer = setTimeout(() => done(undefined, `no refusal within 5 s${answered}`), 5_000);
    ws.on('unexpected-response', (_request, response) => {
      const status = response.statusCode ?? 0;
      done(status === 401 ? 'auth' : [400, 403, 404].includes(status) ? 'dataset' : undefined, `HTTP ${status}`);
    });
    ws.on('error', (error) => done(undefined, `error: ${error.message}`));
    // Opened: a client sends its handshake, with the token it put in the URL; the answer says the rest.
    ws.on('open', () => {
      ws.send(encodeFrame({ kind: 'handshakeRequest', nodeId: 'fz-upgrade-check', authToken: token, compression: [], collections: [], datasetId, extraDatasetIds: [], protocolVersion: PROTOCOL_VERSION, publicKey: '', pushOnly: false, noticeCredits: 0 }, 1));
    });
    ws.on('message', (data: Buffer) => (answered = ` (answered ${data.length} bytes)`));
    ws.on('close', (code) => done(code === CLOSE_CODES.authFailed ? 'auth' : code === CLOSE_CODES.notGranted ? 'dataset' : undefined, `opened, then closed with ${code}${answered}`));
  });
}
