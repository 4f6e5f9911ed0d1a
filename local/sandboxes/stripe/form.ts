/**
 * Stripe's request encoding (application/x-www-form-urlencoded with brackets, as stripe-node's stringifier writes it):
 * `line_items[0][price]=price_1&expand[0]=latest_invoice&metadata[user_id]=…` → nested objects; an array arrives as an
 * object keyed by its indexes (`Object.values` gives it back in order). Values stay strings, as on the wire.
 */
export function parseForm(text: string): Record<string, any> {
  const root: Record<string, any> = {};
  for (const [name, value] of new URLSearchParams(text)) {
    const path = name.replace(/\]/g, '').split('[');
    let node = root;
    path.forEach((key, i) => {
      if (i === path.length - 1) node[key] = value;
      else node = (node[key] ??= {});
    });
  }
  return root;
}
