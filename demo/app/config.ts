/** Where the hub is: `?hub=ws://…` wins, then /config.json from the demo server, then the default. */
export const DEFAULT_HUB_URL = 'ws://127.0.0.1:8787';

export async function resolveHubUrl(location: Location = window.location): Promise<string> {
  const fromQuery = new URLSearchParams(location.search).get('hub');
  if (fromQuery) return fromQuery;
  try {
    const response = await fetch(new URL('config.json', location.href), { cache: 'no-store' });
    if (response.ok) {
      const config = (await response.json()) as { hubUrl?: unknown };
      if (typeof config.hubUrl === 'string' && config.hubUrl) return config.hubUrl;
    }
  } catch {
    // served by something else (vite dev, a file server): fall back to the default
  }
  return DEFAULT_HUB_URL;
}
