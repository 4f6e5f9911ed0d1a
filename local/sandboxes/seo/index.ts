/**
 * The SEO sandbox: Google's Indexing API (with its service-account token endpoint), IndexNow and Bing's URL Submission
 * API in their real wire formats, on the platform sandbox's framework (../platforms/server.ts: `<sandbox>/<real
 * host>/<real path>`, injected faults, call counting). It runs on its own server because the platform sandbox's
 * Google module also serves oauth2.googleapis.com/token (the OAuth code exchange); here that host takes the
 * service-account JWT grant. Adapters reach it with `sandboxHosts(url)` (functions/seo/engines/port.ts).
 */
import { startSandbox, type Fault, type SandboxCall } from '../platforms/server.ts';
import { BingSeoState, bingSeo } from './bing.ts';
import { GoogleSeoState, googleSeo } from './google.ts';
import { IndexNowSeoState, indexNowSeo } from './indexnow.ts';

export type { ServiceAccountJson } from './google.ts';
export type { BingSeoState, GoogleSeoState, IndexNowSeoState };

export interface SeoSandbox {
  url: string;
  /** Service accounts and their keys, owned properties, quotas, notifications received. */
  google: GoogleSeoState;
  /** Rate limit per host, URLs received, key files checked. */
  indexnow: IndexNowSeoState;
  /** API keys and verified sites with their quotas, URLs received. */
  bing: BingSeoState;
  /** Queues a fault for the next matching call(s) (host is the real host: `indexing.googleapis.com`). */
  inject(fault: Fault): void;
  /** Calls received (faults included), optionally filtered by host and path prefix. */
  calls(filter?: { host?: string; path?: string; method?: string }): SandboxCall[];
  /** Forgets faults, calls and every engine's state except Google's service accounts (their RSA keys are slow to make). */
  reset(): void;
  stop(): Promise<void>;
}

/**
 * Starts the SEO sandbox on 127.0.0.1:`port` (0: any free port). `fetchKeyFile` is what IndexNow uses to read a
 * site's key file (default: fetch, over the network, as the real engines do).
 */
export async function startSeoSandbox(options: { port?: number; now?: () => number; fetchKeyFile?: typeof fetch } = {}): Promise<SeoSandbox> {
  const now = options.now ?? Date.now;
  const google = new GoogleSeoState(now);
  const indexnow = new IndexNowSeoState(now, options.fetchKeyFile);
  const bing = new BingSeoState(now);
  const sandbox = await startSandbox([googleSeo(google), indexNowSeo(indexnow), bingSeo(bing)], { port: options.port, now });
  return {
    url: sandbox.url,
    google,
    indexnow,
    bing,
    inject: (fault) => sandbox.inject(fault),
    calls: (filter) => sandbox.calls(filter),
    reset: () => {
      sandbox.reset();
      google.reset();
      indexnow.reset();
      bing.reset();
    },
    stop: () => sandbox.stop(),
  };
}
