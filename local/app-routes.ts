import type { LocalRoute } from './gateway.ts';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * GET /app/connections: where `npm start` sends a browser back after connecting a platform (APP_URL; in AWS the web
 * app's page). It shows the outcome the callback put in the query, escaped, and how to see the connection.
 */
export function appRoutes(): LocalRoute {
  return async (req, res, url) => {
    if (req.method !== 'GET' || url.pathname !== '/app/connections') return false;
    const connected = url.searchParams.get('connected');
    const error = url.searchParams.get('error');
    const platform = url.searchParams.get('platform') ?? '';
    const outcome = connected ? `<p>Connected <strong>${escapeHtml(connected)}</strong>.</p>`
      : error ? `<p>Connecting ${escapeHtml(platform)} failed: <code>${escapeHtml(error)}</code>.</p>` : '<p>Nothing to report.</p>';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'" });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>StreamVibe — connections (local)</title></head>
<body><h1>StreamVibe (local)</h1>${outcome}<p>Your accounts: <code>GET /connections</code> in the <a href="/docs">API docs</a>.</p></body></html>`);
    return true;
  };
}
