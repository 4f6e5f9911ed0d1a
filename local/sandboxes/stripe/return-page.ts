import type { LocalRoute } from '../../gateway.ts';

/**
 * GET /app/billing: where Checkout and the Customer Portal send the browser back under `npm start` (BILLING_RETURN_URL;
 * in AWS the web app's billing page). It says how checkout went and where to see the plan.
 */
export function billingReturnRoute(): LocalRoute {
  return async (req, res, url) => {
    if (req.method !== 'GET' || url.pathname !== '/app/billing') return false;
    const checkout = url.searchParams.get('checkout');
    const outcome = checkout === 'success' ? '<p>Payment received: your plan changes as soon as Stripe’s events arrive (a moment).</p>'
      : checkout === 'canceled' ? '<p>Checkout canceled: nothing was charged.</p>' : '<p>Back from the billing portal.</p>';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'" });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>StreamVibe — billing (local)</title></head>
<body><h1>StreamVibe (local)</h1>${outcome}<p>Your plan: <code>GET /billing</code> in the <a href="/docs">API docs</a>.</p></body></html>`);
    return true;
  };
}
