/**
 * Turns a failed listen into one line that says what to do. The listener's error carries the
 * system error as its cause; its code is what tells a busy port from a bad address.
 */
export function explainListenError(error: unknown, host: string, port: number): Error {
  const code = errorCode(error);
  switch (code) {
    case 'EADDRINUSE':
      return new Error(`port ${port} on ${host} is already in use: stop the other process or pass --port 0 for a free port.`);
    case 'EACCES':
      return new Error(`not allowed to listen on port ${port} on ${host}: pass a port above 1023, or --port 0 for a free port.`);
    case 'EADDRNOTAVAIL':
      return new Error(`--host ${host} is not an address of this machine: pass --host 127.0.0.1 (this machine only) or 0.0.0.0 (every interface).`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new Error(`--host ${host} does not resolve to an address: pass an IP address such as 127.0.0.1 or 0.0.0.0.`);
    default:
      return new Error(`cannot listen on ${host}:${port}: ${(error as Error).message}`);
  }
}

function errorCode(error: unknown): string | undefined {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && /^E[A-Z_]+$/.test(e.code)) return e.code;
  }
  return undefined;
}
