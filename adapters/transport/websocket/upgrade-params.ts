/*
 * What a WebSocket dial says in its upgrade request, before the first frame: the dataset the
 * socket is for, and the token. A hub reads both from the handshake and ignores the URL; a router
 * in front of hubs (routeToHub on an edge Worker) authenticates and routes on them without opening
 * the socket, which would be the only other way to read them. Browsers cannot set headers on a
 * WebSocket upgrade, so they travel as query parameters.
 */
export const DATASET_PARAM = 'sluice_dataset';
export const TOKEN_PARAM = 'sluice_token';

/** `url` with the dataset and token added (a token of '' adds none). */
export function upgradeUrl(url: string, datasetId: string | undefined, token: string): string {
  if (datasetId === undefined && token === '') return url;
  const parsed = new URL(url);
  if (datasetId !== undefined) parsed.searchParams.set(DATASET_PARAM, datasetId);
  if (token !== '') parsed.searchParams.set(TOKEN_PARAM, token);
  return parsed.toString();
}
