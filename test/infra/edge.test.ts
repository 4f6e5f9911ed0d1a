import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functions, httpRoutes } from '../../functions/manifest.ts';
import { stageConfig } from '../../infra/config.ts';
import { FUNCTION_TAG } from '../../infra/constructs/app-function.ts';
import { EDGE_SECRET_HEADER } from '../../functions/discovery/clicks.ts';
import { cacheableRoutes, EDGE_MAX_TTL } from '../../infra/stacks/edge-stack.ts';
import { buildStage, synthStage } from './synth.ts';

type Resource = { Type: string; Properties: Record<string, any> };
interface Behavior {
  PathPattern?: string; CachePolicyId: unknown; OriginRequestPolicyId: unknown; AllowedMethods: string[]; CachedMethods: string[];
  ViewerProtocolPolicy: string; TargetOriginId: string;
}

/** CloudFront's managed policies, by their documented ids. */
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';
const CORS_CUSTOM_ORIGIN = '59781a5b-3903-41f3-afcb-af62929ccde1';
const CERTIFICATE = 'arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c-0b0a-4909-8807-060504030201';

const resources = (template: Template) => template.toJSON().Resources as Record<string, Resource>;
const ofType = (template: Template, type: string) => Object.entries(resources(template)).filter(([, r]) => r.Type === type);
const distributionOf = (template: Template) => ofType(template, 'AWS::CloudFront::Distribution')[0]![1].Properties.DistributionConfig;
/** A Lambda's environment, found by the manifest name it is tagged with. */
function envOf(templates: Record<string, Template>, name: string): Record<string, unknown> {
  const fn = Object.values(templates).flatMap((t) => ofType(t, 'AWS::Lambda::Function')).find(([, r]) =>
    ((r.Properties.Tags ?? []) as { Key: string; Value: string }[]).some((t) => t.Key === FUNCTION_TAG && t.Value === name))!;
  return fn[1].Properties.Environment.Variables;
}
/** Whether a CloudFront path pattern (`*` any characters, `?` one) matches a path. */
const matches = (pattern: string, path: string) =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(path);

describe('the edge stack (CloudFront in front of the site and the API)', () => {
  let templates: Record<string, Template>;
  let edge: Template;
  let distribution: { DefaultCacheBehavior: Behavior; CacheBehaviors: Behavior[]; [key: string]: any };
  const config = stageConfig('dev');
  beforeAll(async () => {
    ({ templates } = await synthStage('dev'));
    edge = templates['StreamVibe-dev-Edge']!;
    distribution = distributionOf(edge);
  });

  it('sends everything it does not cache to the API uncached, with every viewer header but Host (Authorization, cookies)', () => {
    const fallback = distribution.DefaultCacheBehavior;
    expect(fallback).toMatchObject({
      CachePolicyId: CACHING_DISABLED, OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER, ViewerProtocolPolicy: 'https-only',
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
    });
    const origin = distribution.Origins.find((o: { Id: string }) => o.Id === fallback.TargetOriginId);
    expect(distribution.Origins).toHaveLength(2);  // and /track-click's, with the edge's secret (below)
    expect(origin.OriginCustomHeaders).toBeUndefined();
    expect(origin).toMatchObject({ Id: fallback.TargetOriginId,
      CustomOriginConfig: { OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] } });
    // The host name of the HTTP API's endpoint, exported by the API stack.
    expect(JSON.stringify(origin.DomainName)).toMatch(/Fn::Split.*ApiEndpoint|StreamVibe-dev-Api/);
  });

  const cached = () => distribution.CacheBehaviors.filter((b) => b.PathPattern !== '/track-click');

  it('has one cache behavior per cacheable route (public GETs with cache lifetimes), on the policy its query needs', () => {
    const routes = cacheableRoutes(functions);
    const patterns = cached().map((b) => b.PathPattern).sort();
    expect(patterns).toEqual(expect.arrayContaining(['/content/*', '/creator/*', '/robots.txt', '/sitemap.xml', '/browse-content',
      '/search-content', '/get-trending', `/${config.site.indexNowKey}.txt`]));
    expect(patterns).toHaveLength(routes.length);
    expect(new Set(patterns).size).toBe(routes.length);
    const policyIds = Object.fromEntries(ofType(edge, 'AWS::CloudFront::CachePolicy')
      .map(([id, r]) => [r.Properties.CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin.QueryStringsConfig.QueryStringBehavior, id]));
    expect(Object.keys(policyIds).sort()).toEqual(['all', 'none']);
    const behavior = (pattern: string) => distribution.CacheBehaviors.find((b) => b.PathPattern === pattern)!;
    for (const [pattern, query] of [['/creator/*', 'all'], ['/sitemap.xml', 'all'], ['/browse-content', 'all'], ['/content/*', 'none'],
      ['/robots.txt', 'none'], [`/${config.site.indexNowKey}.txt`, 'none']] as const) {
      expect(behavior(pattern).CachePolicyId, pattern).toEqual({ Ref: policyIds[query] });
    }
    for (const b of cached()) {
      expect(b, b.PathPattern).toMatchObject({ AllowedMethods: ['GET', 'HEAD', 'OPTIONS'], CachedMethods: ['GET', 'HEAD'],
        OriginRequestPolicyId: CORS_CUSTOM_ORIGIN, ViewerProtocolPolicy: 'redirect-to-https', TargetOriginId: distribution.DefaultCacheBehavior.TargetOriginId });
    }
  });

  it('keeps what the origin’s Cache-Control says: min and default TTL 0, a max above every route’s s-maxage, keyed on Origin only', () => {
    const longest = Math.max(...cacheableRoutes(functions).map((r) => r.cache!.sMaxAgeSeconds));
    expect(EDGE_MAX_TTL.toSeconds()).toBeGreaterThanOrEqual(longest);
    for (const [, policy] of ofType(edge, 'AWS::CloudFront::CachePolicy')) {
      const { MinTTL, DefaultTTL, MaxTTL, ParametersInCacheKeyAndForwardedToOrigin: key } = policy.Properties.CachePolicyConfig;
      expect([MinTTL, DefaultTTL, MaxTTL]).toEqual([0, 0, EDGE_MAX_TTL.toSeconds()]);
      expect(key).toMatchObject({ HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['Origin'] }, CookiesConfig: { CookieBehavior: 'none' },
        EnableAcceptEncodingGzip: true, EnableAcceptEncodingBrotli: true });
    }
  });

  it('caches no signed-in, admin, webhook or uncached public route: none of their paths falls under a cache behavior', () => {
    const patterns = cached().map((b) => b.PathPattern!);
    const cacheable = new Set(cacheableRoutes(functions));
    const others = httpRoutes(functions).map((r) => r.route).filter((route) => !cacheable.has(route));
    expect(others.filter((r) => r.auth === 'user').length).toBeGreaterThan(10);
    for (const route of others) {
      const path = route.path.replace(/\{[^}]+\}/g, 'x1');
      expect(patterns.filter((p) => matches(p, path)), `${route.method} ${route.path}`).toEqual([]);
    }
  });

  it('sends /track-click uncached to an origin that adds the edge\'s secret, with the viewer\'s address and only the headers the route reads', () => {
    const click = distribution.CacheBehaviors.find((b) => b.PathPattern === '/track-click')!;
    expect(click).toMatchObject({ CachePolicyId: CACHING_DISABLED, ViewerProtocolPolicy: 'https-only' });
    expect(click.AllowedMethods).toContain('POST');
    const origin = distribution.Origins.find((o: { Id: string }) => o.Id === click.TargetOriginId);
    expect(origin.Id).not.toBe(distribution.DefaultCacheBehavior.TargetOriginId);
    const [header] = origin.OriginCustomHeaders;
    expect(header.HeaderName).toBe(EDGE_SECRET_HEADER);
    // A dynamic reference to the EDGE_ORIGIN_SECRET secret, resolved by CloudFormation: no secret value in the template.
    expect(JSON.stringify(header.HeaderValue)).toMatch(/\{\{resolve:secretsmanager:.*SecretString/);
    expect(JSON.stringify(header.HeaderValue)).toMatch(/EnvEDGEORIGINSECRET/);
    const policies = ofType(edge, 'AWS::CloudFront::OriginRequestPolicy');
    expect(policies).toHaveLength(1);
    const [id, policy] = policies[0]!;
    expect(click.OriginRequestPolicyId).toEqual({ Ref: id });
    expect(policy.Properties.OriginRequestPolicyConfig).toMatchObject({
      HeadersConfig: { HeaderBehavior: 'whitelist', Headers: expect.arrayContaining(['CloudFront-Viewer-Address', 'Content-Type', 'User-Agent', 'Origin']) },
      CookiesConfig: { CookieBehavior: 'none' }, QueryStringsConfig: { QueryStringBehavior: 'none' },
    });
    expect(envOf(templates, 'discovery-http').EDGE_ORIGIN_SECRET_SECRET_ARN).toBeDefined();
  });

  it('answers only on its own *.cloudfront.net name without a certificate; PUBLIC_SITE_URL and the key follow the stage config', () => {
    expect(distribution.Aliases).toBeUndefined();
    expect(distribution.ViewerCertificate).toBeUndefined();
    expect(distribution.Logging).toMatchObject({ Prefix: 'cloudfront/' });
    for (const fn of ['site-http', 'discovery-http']) expect(envOf(templates, fn).PUBLIC_SITE_URL, fn).toBe('https://dev.streamvibe.app');
    expect(envOf(templates, 'site-http').INDEXNOW_KEY).toBe(config.site.indexNowKey);
    expect(config.site.indexNowKey).toMatch(/^[a-zA-Z0-9-]{8,128}$/);
    edge.hasOutput('SiteUrl', { Value: 'https://dev.streamvibe.app' });
  });
});

describe('the edge stack on the stage’s own domain', () => {
  const outdirs: string[] = [];
  afterAll(() => Promise.all(outdirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('with a domain and its us-east-1 certificate: the alias, TLS 1.2 minimum, and PUBLIC_SITE_URL on that domain', async () => {
    const { templates } = await synthStage('staging', {
      configure: (config) => { config.site = { ...config.site, domainName: 'www.example.org', certificateArn: CERTIFICATE }; },
    });
    const distribution = distributionOf(templates['StreamVibe-staging-Edge']!);
    expect(distribution.Aliases).toEqual(['www.example.org']);
    expect(distribution.ViewerCertificate).toEqual({ AcmCertificateArn: CERTIFICATE, MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' });
    for (const fn of ['site-http', 'discovery-http']) expect(envOf(templates, fn).PUBLIC_SITE_URL, fn).toBe('https://www.example.org');
  });

  it('passes cdk-nag with a certificate too (no TLS 1.0 acknowledgement needed then)', async () => {
    const outdir = await mkdtemp(join(tmpdir(), 'sv-edge-nag-'));
    outdirs.push(outdir);
    const { app } = await buildStage('prod', { nag: true, outdir, configure: (config) => { config.site.certificateArn = CERTIFICATE; } });
    let failure: unknown;
    try { app.synth(); } catch (error) { failure = error; }
    const report = failure ? await readFile(join(outdir, 'validation-report.json'), 'utf8').catch(() => String(failure)) : '';
    expect(report).toBe('');
    const acknowledged = app.node.findAll().filter((c) => c.node.path.includes('-Edge/')).flatMap((c) => c.node.metadata)
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).flatMap((m) => Object.keys(m.data as object));
    expect(acknowledged.filter((id) => id.includes('CFR4'))).toEqual([]);
    expect(acknowledged.filter((id) => /CFR[12]/.test(id))).toHaveLength(2);
  });
});
