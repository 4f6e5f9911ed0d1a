/**
 * The pages a person sees at Stripe, as plain HTML forms: hosted Checkout (`/c/pay/<session>`: the plan, a test card,
 * Subscribe) and the Customer Portal (`/p/session/<session>`: switch plan, cancel at period end or keep the plan).
 */
type StripeObject = Record<string, any>;

const esc = (value: unknown) =>
  String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const money = (cents: number, currency: string) => `${(cents / 100).toFixed(2)} ${currency.toUpperCase()}`;
const day = (unix: number) => new Date(unix * 1000).toISOString().slice(0, 10);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1a1f36}
.box{border:1px solid #e3e8ee;border-radius:8px;padding:1.5rem;margin:1rem 0}button{background:#635bff;color:#fff;border:0;
border-radius:6px;padding:.6rem 1.2rem;font-size:1rem;cursor:pointer}input{font-size:1rem;padding:.4rem;width:100%;box-sizing:border-box}
.error{color:#df1b41}.muted{color:#697386;font-size:.9rem}form.inline{display:inline}</style></head>
<body><p class="muted">Stripe sandbox (test mode)</p>${body}</body></html>`;
}

export function checkoutPage(session: StripeObject, price: StripeObject, error?: string): string {
  if (session.status !== 'open') {
    return page('Checkout', `<div class="box"><h1>This checkout is ${esc(session.status)}</h1>
<p><a href="${esc(String(session.success_url).replace('{CHECKOUT_SESSION_ID}', session.id))}">Back to the site</a></p></div>`);
  }
  return page(`Subscribe to ${price.nickname}`, `<div class="box"><h1>Subscribe to ${esc(price.nickname)}</h1>
<p><strong>${esc(money(price.unit_amount, price.currency))}</strong> per ${esc(price.recurring.interval)}</p>
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<form method="post"><label>Card number <input name="card" value="4242 4242 4242 4242" autocomplete="off"></label>
<p class="muted">Any expiry in the future and any CVC. 4000 0000 0000 0002 is declined.</p>
<button type="submit">Subscribe</button></form>
${session.cancel_url ? `<p><a href="${esc(session.cancel_url)}">Cancel and go back</a></p>` : ''}</div>`);
}

export function portalPage(session: StripeObject, sub: StripeObject | undefined, prices: StripeObject[]): string {
  const back = session.return_url ? `<p><a href="${esc(session.return_url)}">Return to StreamVibe</a></p>` : '';
  if (!sub) return page('Billing', `<div class="box"><h1>Billing</h1><p>No active subscription.</p>${back}</div>`);
  const item = sub.items.data[0];
  const current = item.price;
  const switches = prices.filter((p) => p.id !== current.id).map((p) => `<form method="post" class="inline">
<input type="hidden" name="action" value="switch"><input type="hidden" name="price" value="${esc(p.id)}">
<button type="submit">Switch to ${esc(p.nickname)} (${esc(money(p.unit_amount, p.currency))})</button></form>`).join(' ');
  const cancel = sub.cancel_at_period_end
    ? `<p>Your plan will be canceled on ${esc(day(item.current_period_end))}.</p>
<form method="post"><input type="hidden" name="action" value="renew"><button type="submit">Don’t cancel</button></form>`
    : `<form method="post"><input type="hidden" name="action" value="cancel"><button type="submit">Cancel plan</button></form>`;
  return page('Billing', `<div class="box"><h1>Current plan</h1>
<p><strong>${esc(current.nickname)}</strong>: ${esc(money(current.unit_amount, current.currency))} per ${esc(current.recurring.interval)}
(${esc(sub.status)}), renews ${esc(day(item.current_period_end))}</p>${cancel}</div>
<div class="box"><h2>Change plan</h2>${switches}</div>${back}`);
}
