/**
 * Wraps the process's global fetch (what the SDKs and our adapters call) so a bench can tell the provider's share of
 * a worker's time: each call's duration, body included (read here so its transfer counts; an equal answer is handed
 * back), is pushed to `durations`. Returns the list, to read and clear between measurements.
 */
export function timeFetches(): number[] {
  const durations: number[] = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const started = performance.now();
    try {
      const response = await realFetch(input, init);
      const body = await response.arrayBuffer();
      return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
    } finally {
      durations.push(performance.now() - started);
    }
  };
  return durations;
}
