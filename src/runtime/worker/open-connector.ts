import { SluiceError } from '../../core/errors.ts';
import type { Connector, ConnectorDescriptor } from '../../protocol/transport.ts';

export async function openConnector(d: ConnectorDescriptor): Promise<Connector> {
  if (d.kind === 'websocket') {
    const { websocket } = await import('../../../adapters/transport/websocket/client.ts');
    return websocket(d.url, { token: d.token });
  }
  throw new SluiceError('invalid_options', `A worker cannot dial a peer of kind "${d.kind}": run this dataset with worker: false.`);
}
