/**
 * Per-stage settings of the CDK app, in one typed place. `-c stage=dev|staging|prod` picks one; nothing else in
 * infra/ branches on the stage name.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

export const STAGES = ['dev', 'staging', 'prod'] as const;
export type Stage = (typeof STAGES)[number];

/** Where the value of an extra environment variable a manifest entry names (`env: [...]`) comes from. */
export type EnvSource =
  /** A plain value, visible in the template. */
  | { value: string }
  /**
   * A Secrets Manager secret `streamvibe/<stage>/env/<NAME>`: the function gets its ARN in `<NAME>_SECRET_ARN` and
   * GetSecretValue on it, and reads the value at cold start (cached 5 minutes), so the value is never in the
   * function's configuration. `generated` is a random string made at creation; `operator` starts as the placeholder
   * `unset` (the function then fails its cold start naming the setting) until someone puts the real value.
   */
  | { secret: 'generated' | 'operator' };

/** API Gateway throttle: steady requests per second, and burst (token bucket size). */
export interface Throttle {
  rateLimit: number;
  burstLimit: number;
}

export interface StageConfig {
  stage: Stage;
  /** Prefix of stack names and of every physical name the app sets (secrets, log groups). */
  prefix: string;
  network: {
    /** NAT gateways for the Lambdas' egress to third-party APIs (YouTube, OpenAI, Stripe, …). */
    natGateways: number;
    flowLogRetention: RetentionDays;
  };
  aurora: {
    /** Aurora Serverless v2 capacity in ACUs (1 ACU ≈ 2 GiB of memory). */
    minCapacityAcu: number;
    maxCapacityAcu: number;
    /** Serverless v2 readers besides the writer (in another AZ, so a failover has a warm target). */
    readers: number;
    backupRetentionDays: number;
    deletionProtection: boolean;
    /** What happens to the cluster when its stack is deleted. */
    removal: 'snapshot' | 'retain' | 'destroy';
  };
  /** Keep logs, keys and secrets when their stack is deleted (a stage whose data matters). */
  retainOnDelete: boolean;
  logRetention: RetentionDays;
  logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  api: {
    /** Default throttle of each route (requests per second, burst): what a signed-in user's route may take. */
    throttleRateLimit: number;
    throttleBurstLimit: number;
    /**
     * Throttle of each public (anonymous) route, lower than the default: together the public routes stay well under
     * the account's API Gateway quota (10,000 rps per region) and leave room for signed-in users' routes.
     */
    publicRouteThrottle: Throttle;
    /** Throttle of each webhook route: above any rate its sender delivers at; excess is 429, which senders retry. */
    webhookRouteThrottle: Throttle;
    /**
     * A WAF rate-based rule (requests per 5 minutes per IP). Not applicable today: WAFv2 cannot be associated with an
     * API Gateway HTTP API, only with a REST API stage, CloudFront, an ALB, AppSync or Cognito. It takes a CloudFront
     * distribution in front of the API first (with the API reachable only through it); until then setting this
     * fails synth rather than deploy something that does not protect anything.
     */
    wafRateLimitPer5Minutes?: number;
    /** Browser origins allowed by CORS. */
    corsAllowedOrigins: string[];
    /**
     * Custom domain of the API. It is created only when a certificate is given (`-c apiCertificateArn=arn:…`), as
     * certificates are account-specific; without one the API answers on its execute-api URL.
     */
    domainName: string;
  };
  cognito: {
    deletionProtection: boolean;
    /** Cognito's Plus feature plan with threat protection enforced (paid per MAU). */
    threatProtection: boolean;
    /**
     * TOTP MFA for every user (`required`), or for those who turn it on (`optional`). Cognito cannot require MFA for
     * one group, so a stage whose admins matter requires it for the pool; admins are ordinary users plus a role.
     */
    mfa: 'required' | 'optional';
    /**
     * Mail (verification codes, password resets) through SES from this stage's verified identity; without it Cognito's
     * own sender is used (a few dozen mails a day, fine for a stage without real users).
     */
    ses?: {
      /** Sender address, in the verified domain. */
      fromEmail: string;
      fromName: string;
      /** The SES identity (domain) verified in `region`. */
      verifiedDomain: string;
      /** The region of the verified identity (stacks are environment-agnostic, so it cannot be inferred). */
      region: string;
    };
  };
  alarms: {
    /** Messages in any dead-letter queue: one means a job failed for good. */
    dlqMessages: number;
    /** Errors of one function in 5 minutes. */
    lambdaErrors: number;
    lambdaThrottles: number;
    /** 5xx responses of the API in 5 minutes. */
    api5xx: number;
    /** Average Aurora writer CPU over 15 minutes. */
    auroraCpuPercent: number;
    auroraConnections: number;
    /** Email subscribed to the alarm topic (`-c alarmEmail=…` overrides). */
    email?: string;
    /** Synth fails without `email`: an alarm nobody receives is no alarm (staging and prod). */
    requireSubscriber: boolean;
  };
  /**
   * The public site: the CloudFront distribution in front of the API (infra/stacks/edge-stack.ts) serves its pages, and
   * every public URL the functions write (PUBLIC_SITE_URL: canonical links, the sitemap, robots.txt, SEO submissions)
   * is on it.
   */
  site: {
    /**
     * Its host name. PUBLIC_SITE_URL is `https://<it>`: functions of the jobs stack read it too, which the
     * distribution's own generated name (*.cloudfront.net, created later, by the edge stack) could not reach without a
     * cycle between the stacks, so the name is configuration.
     */
    domainName: string;
    /**
     * An ACM certificate in us-east-1 (where CloudFront takes certificates from) covering `domainName`: with it the
     * distribution answers on `domainName` (an alias); without it only on its *.cloudfront.net name.
     * `-c siteCertificateArn=arn:aws:acm:us-east-1:…` sets it per deploy.
     */
    certificateArn?: string;
    /** The stage's IndexNow key (INDEXNOW_KEY): 8–128 characters of a-z, A-Z, 0-9 and `-`, public by design. */
    indexNowKey: string;
  };
  /** Values of the extra environment variables manifest entries name; synth fails on a name without one. */
  functionEnvironment: Record<string, EnvSource>;
}

/**
 * A stage's Stripe prices (ids from the Stripe dashboard, test mode outside prod) per paid tier and interval. The
 * billing Lambdas map them onto the tiers at cold start, before they apply any event (functions/billing/prices.ts).
 */
export interface StripePriceConfig {
  basic: { month: string; year?: string };
  premium: { month: string; year?: string };
}

/** The variables that follow `site`: PUBLIC_SITE_URL on its domain, and the IndexNow key the site serves at /<key>.txt. */
export const siteEnvironment = (site: StageConfig['site']): Record<string, EnvSource> => ({
  PUBLIC_SITE_URL: { value: `https://${site.domainName}` },
  // Public by design (engines fetch it from the site), so a plain value, one per stage.
  INDEXNOW_KEY: { value: site.indexNowKey },
});

/**
 * Extra variables the manifest's functions read (besides the site's, `siteEnvironment`), for a stage whose web app is
 * at `siteUrl` and API at `apiUrl`.
 */
const functionEnvironment = (siteUrl: string, apiUrl: string, stripePrices: StripePriceConfig): Record<string, EnvSource> => ({
  // Providers send users back to <API>/oauth-<slug>-callback (the redirect URIs registered with each provider)…
  OAUTH_REDIRECT_BASE_URL: { value: apiUrl },
  // …which then lands them on the web app's connections page with ?connected= or ?error=.
  APP_URL: { value: `${siteUrl}/settings/connections` },
  // The stage's app credentials per provider, JSON { "<slug>": { "client_id", "client_secret" } } (README, "Connecting platforms").
  OAUTH_CLIENTS: { secret: 'operator' },
  // The AI providers' API keys, one secret each; a key left `unset` makes the ai feature use the offline engine for that provider's models.
  OPENAI_API_KEY: { secret: 'operator' },
  ANTHROPIC_API_KEY: { secret: 'operator' },
  GEMINI_API_KEY: { secret: 'operator' },
  // HMAC key of visitor hashes (click dedupe): random, never needs to be known by anyone.
  CLICK_HASH_SECRET: { secret: 'generated' },
  // What CloudFront sends the API with /track-click (a custom origin header), so the viewer address it names is believed.
  EDGE_ORIGIN_SECRET: { secret: 'generated' },
  // Stripe's webhook signing secrets (comma-separated while rolling), copied from the Stripe dashboard.
  STRIPE_WEBHOOK_SECRETS: { secret: 'operator' },
  // Stripe's secret (or restricted) API key of the stage's account: checkout, portal, subscriptions, invoices.
  STRIPE_API_KEY: { secret: 'operator' },
  // Not secret: the prices checkout offers and the webhook maps onto tiers.
  STRIPE_PRICES: { value: JSON.stringify(stripePrices) },
  // Where Checkout and the Customer Portal send the user back.
  BILLING_RETURN_URL: { value: `${siteUrl}/settings/billing` },
});

const configs: Record<Stage, StageConfig> = {
  dev: {
    stage: 'dev',
    prefix: 'streamvibe-dev',
    network: { natGateways: 1, flowLogRetention: RetentionDays.ONE_WEEK },
    aurora: { minCapacityAcu: 0.5, maxCapacityAcu: 2, readers: 0, backupRetentionDays: 1, deletionProtection: false, removal: 'destroy' },
    retainOnDelete: false,
    logRetention: RetentionDays.ONE_WEEK,
    logLevel: 'DEBUG',
    api: {
      throttleRateLimit: 50, throttleBurstLimit: 100,
      publicRouteThrottle: { rateLimit: 20, burstLimit: 40 }, webhookRouteThrottle: { rateLimit: 10, burstLimit: 20 },
      corsAllowedOrigins: ['http://localhost:5173', 'https://dev.streamvibe.app'], domainName: 'api.dev.streamvibe.app',
    },
    cognito: { deletionProtection: false, threatProtection: false, mfa: 'optional' },
    alarms: { dlqMessages: 1, lambdaErrors: 5, lambdaThrottles: 1, api5xx: 10, auroraCpuPercent: 90, auroraConnections: 200, requireSubscriber: false },
    site: { domainName: 'dev.streamvibe.app', indexNowKey: '4b1e0c7a9d2f48e3a6c5b8d0e1f2a3b4' },
    functionEnvironment: functionEnvironment('https://dev.streamvibe.app', 'https://api.dev.streamvibe.app', {
      basic: { month: 'price_dev_basic_monthly', year: 'price_dev_basic_yearly' },
      premium: { month: 'price_dev_premium_monthly', year: 'price_dev_premium_yearly' },
    }),
  },
  staging: {
    stage: 'staging',
    prefix: 'streamvibe-staging',
    network: { natGateways: 1, flowLogRetention: RetentionDays.ONE_MONTH },
    aurora: { minCapacityAcu: 0.5, maxCapacityAcu: 4, readers: 0, backupRetentionDays: 7, deletionProtection: false, removal: 'snapshot' },
    retainOnDelete: true,
    logRetention: RetentionDays.ONE_MONTH,
    logLevel: 'INFO',
    api: {
      throttleRateLimit: 200, throttleBurstLimit: 400,
      publicRouteThrottle: { rateLimit: 50, burstLimit: 100 }, webhookRouteThrottle: { rateLimit: 25, burstLimit: 50 },
      corsAllowedOrigins: ['https://staging.streamvibe.app'], domainName: 'api.staging.streamvibe.app',
    },
    cognito: { deletionProtection: false, threatProtection: false, mfa: 'optional' },
    alarms: {
      dlqMessages: 1, lambdaErrors: 5, lambdaThrottles: 1, api5xx: 10, auroraCpuPercent: 85, auroraConnections: 400,
      email: 'ops@streamvibe.app', requireSubscriber: true,
    },
    site: { domainName: 'staging.streamvibe.app', indexNowKey: '8e2d4f6a1c3b45d7902e4f6a8c1b3d5e' },
    functionEnvironment: functionEnvironment('https://staging.streamvibe.app', 'https://api.staging.streamvibe.app', {
      basic: { month: 'price_staging_basic_monthly', year: 'price_staging_basic_yearly' },
      premium: { month: 'price_staging_premium_monthly', year: 'price_staging_premium_yearly' },
    }),
  },
  prod: {
    stage: 'prod',
    prefix: 'streamvibe-prod',
    // One NAT per AZ: losing an AZ must not cut the other AZ's Lambdas off the third-party APIs.
    network: { natGateways: 2, flowLogRetention: RetentionDays.THREE_MONTHS },
    aurora: { minCapacityAcu: 1, maxCapacityAcu: 16, readers: 1, backupRetentionDays: 14, deletionProtection: true, removal: 'retain' },
    retainOnDelete: true,
    logRetention: RetentionDays.THREE_MONTHS,
    logLevel: 'INFO',
    api: {
      throttleRateLimit: 1000, throttleBurstLimit: 2000,
      publicRouteThrottle: { rateLimit: 200, burstLimit: 400 }, webhookRouteThrottle: { rateLimit: 50, burstLimit: 100 },
      corsAllowedOrigins: ['https://streamvibe.app', 'https://www.streamvibe.app'], domainName: 'api.streamvibe.app',
    },
    cognito: {
      deletionProtection: true, threatProtection: true, mfa: 'required',
      ses: { fromEmail: 'no-reply@streamvibe.app', fromName: 'StreamVibe', verifiedDomain: 'streamvibe.app', region: 'us-east-1' },
    },
    alarms: {
      dlqMessages: 1, lambdaErrors: 3, lambdaThrottles: 1, api5xx: 5, auroraCpuPercent: 80, auroraConnections: 1000,
      email: 'ops@streamvibe.app', requireSubscriber: true,
    },
    site: { domainName: 'streamvibe.app', indexNowKey: 'c7a1e3f5b2d44680a9c1e3f5b7d9a2c4' },
    functionEnvironment: functionEnvironment('https://streamvibe.app', 'https://api.streamvibe.app', {
      basic: { month: 'price_prod_basic_monthly', year: 'price_prod_basic_yearly' },
      premium: { month: 'price_prod_premium_monthly', year: 'price_prod_premium_yearly' },
    }),
  },
};

export class UnknownStageError extends Error {
  override name = 'UnknownStageError';
  constructor(readonly stage: unknown) {
    super(`Unknown stage ${JSON.stringify(stage)}: pass -c stage=${STAGES.join('|')}`);
  }
}

export const isStage = (value: unknown): value is Stage => STAGES.includes(value as Stage);

/** The configuration of one stage (a copy: callers may adjust it, in tests say, without touching the others). */
export function stageConfig(stage: unknown): StageConfig {
  if (!isStage(stage)) throw new UnknownStageError(stage);
  return withSiteEnvironment(structuredClone(configs[stage]));
}

/** The config with functionEnvironment's site variables following `site` (the CDK app applies it again after overrides). */
export const withSiteEnvironment = (config: StageConfig): StageConfig =>
  ({ ...config, functionEnvironment: { ...config.functionEnvironment, ...siteEnvironment(config.site) } });

/** The removal policy of a stage's logs, keys and secrets. */
export const removalPolicyOf = (config: StageConfig) => (config.retainOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY);
