// A sluice hub on Cloudflare: one Durable Object per dataset, each with its data in its own SQLite.
import { routeToHub, SluiceHubObject } from 'sluice/cloudflare';

// Bound in wrangler.jsonc as SLUICE_HUB, and declared a SQLite-backed class in its migrations.
export { SluiceHubObject };

export default {
  async fetch(request: Request, env: Record<string, unknown>): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/sync') return routeToHub(request, env);
    return new Response('sluice edge hub: clients connect to /sync', { status: 404 });
  },
};
