import { CfnOutput, Duration, Fn, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods, CacheCookieBehavior, CachedMethods, CacheHeaderBehavior, CachePolicy, CacheQueryStringBehavior, Distribution,
  HttpVersion, OriginProtocolPolicy, OriginRequestCookieBehavior, OriginRequestHeaderBehavior, OriginRequestPolicy,
  OriginRequestQueryStringBehavior, OriginSslPolicy, SecurityPolicyProtocol, ViewerProtocolPolicy, type BehaviorOptions,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { RouteSpec } from '../../functions/_shared/route.ts';
import { EDGE_SECRET_HEADER } from '../../functions/discovery/clicks.ts';
import { trackClickRoute } from '../../functions/discovery/routes/track-click.ts';
import type { FunctionSpec } from '../../functions/manifest.ts';
import { indexNowKeyFile } from '../../functions/site/indexnow-key.ts';
import { indexNowKeyRoute } from '../../functions/site/routes/indexnow-key.ts';
import { removalPolicyOf, type StageConfig } from '../config.ts';
import { ManifestConfigError } from '../constructs/app-function.ts';

export interface EdgeStackProps extends StackProps {
  config: StageConfig;
  api: IHttpApi;
  /** EDGE_ORIGIN_SECRET: sent with /track-click, so the API believes the viewer address CloudFront names. */
  originSecret: ISecret;
  /** The features' HTTP Lambdas, whose cacheable routes get cache behaviors. */
  functions: FunctionSpec[];
}

/** CloudFront's default quota of cache behaviors per distribution (besides the default one). */
export const MAX_CACHE_BEHAVIORS = 25;
/** The longest an edge keeps an answer: above every route's s-maxage (robots.txt and the key file: a day), which then rules. */
export const EDGE_MAX_TTL = Duration.days(1);
/** Days CloudFront's access logs are kept. */
const ACCESS_LOG_DAYS = 90;

/** The routes an edge may cache: public GET routes that declare cache lifetimes (their answers carry `s-maxage`). */
export function cacheableRoutes(functions: FunctionSpec[]): RouteSpec[] {
  return functions.flatMap((fn) => (fn.trigger.kind === 'http' ? fn.trigger.routes : []))
    .filter((route) => route.auth === 'public' && route.method === 'GET' && route.cache);
}

/**
 * A route's CloudFront path pattern: each `{param}` segment a `*`. The key file's route is one parameter at the root
 * (API Gateway takes no `/{key}.txt`), which as a pattern would be every path; its pattern is the stage's one key file.
 */
export function pathPatternOf(route: RouteSpec, indexNowKey: string): string {
  if (route.path === indexNowKeyRoute.path) return `/${indexNowKeyFile(indexNowKey)}`;
  const pattern = route.path.replace(/\{[^/{}]+\}/g, '*');
  if (pattern === '/*') throw new ManifestConfigError(`GET ${route.path}: a cached route matching every path would cache the whole API`);
  return pattern;
}

/**
 * The public edge: a CloudFront distribution in front of the HTTP API on the stage's site domain. Each cacheable route
 * (the site's pages and key file, discovery's reads, the sitemap, robots.txt) has a behavior whose cache policy keeps
 * what the origin's Cache-Control says (`s-maxage`; min TTL 0, default 0: an answer without one is not kept), keyed on
 * the route's query string (all of it, so every cached answer is exactly the answer to its own request) and on
 * `Origin` (the API's CORS answer differs per origin). Everything else — signed-in users' routes, webhooks, OAuth
 * callbacks, POSTs — passes through uncached with every viewer header (Authorization, cookies) but Host.
 */
export class EdgeStack extends Stack {
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, props);
    const { config } = props;
    const { domainName, certificateArn, indexNowKey } = config.site;

    // https://<api-id>.execute-api.<region>.amazonaws.com → its host name.
    const apiHost = Fn.select(2, Fn.split('/', props.api.apiEndpoint));
    const toApi = { protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY, originSslProtocols: [OriginSslPolicy.TLS_V1_2] };
    const origin = new HttpOrigin(apiHost, toApi);
    const edgeCache = (name: string, queryStrings: CacheQueryStringBehavior, comment: string) => new CachePolicy(this, name, {
      cachePolicyName: `${config.prefix}-${name}`, comment,
      minTtl: Duration.seconds(0), defaultTtl: Duration.seconds(0), maxTtl: EDGE_MAX_TTL,
      queryStringBehavior: queryStrings, headerBehavior: CacheHeaderBehavior.allowList('Origin'), cookieBehavior: CacheCookieBehavior.none(),
      enableAcceptEncodingGzip: true, enableAcceptEncodingBrotli: true,
    });
    // Two policies serve every route. An allow-list of each route's own query names would take a policy per distinct set
    // (eleven today), against CloudFront's 20 custom cache policies per account, which every stage in it shares.
    const withQuery = edgeCache('public-query', CacheQueryStringBehavior.all(), 'Public reads: the origin’s Cache-Control, keyed on the query');
    const withoutQuery = edgeCache('public-path', CacheQueryStringBehavior.none(),
      'Public pages without query parameters: the origin’s Cache-Control, any query dropped');

    const routes = cacheableRoutes(props.functions);
    // One behavior per cacheable route, and /track-click's (below).
    if (routes.length + 1 > MAX_CACHE_BEHAVIORS) {
      throw new ManifestConfigError(`${routes.length} cacheable routes and /track-click: CloudFront allows ${MAX_CACHE_BEHAVIORS} cache behaviors per distribution`);
    }
    const additionalBehaviors: Record<string, BehaviorOptions> = Object.fromEntries(routes.map((route) => [pathPatternOf(route, indexNowKey), {
      origin,
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
      cachedMethods: CachedMethods.CACHE_GET_HEAD,
      cachePolicy: route.query ? withQuery : withoutQuery,
      // A CORS preflight (never cached) reaches the API with its Access-Control-Request-* headers.
      originRequestPolicy: OriginRequestPolicy.CORS_CUSTOM_ORIGIN,
      compress: true,
    } satisfies BehaviorOptions]));

    // /track-click counts a visitor by address. Behind CloudFront, API Gateway sees the edge's: CloudFront names the
    // viewer in CloudFront-Viewer-Address, and its secret beside it tells the API to believe that (functions/discovery/clicks.ts).
    additionalBehaviors[trackClickRoute.path] = {
      // The secret is a dynamic reference CloudFormation resolves at deploy: it is in no template or asset.
      origin: new HttpOrigin(apiHost, { ...toApi, customHeaders: { [EDGE_SECRET_HEADER]: props.originSecret.secretValue.unsafeUnwrap() } }),
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      cachePolicy: CachePolicy.CACHING_DISABLED,
      originRequestPolicy: new OriginRequestPolicy(this, 'ClickViewer', {
        originRequestPolicyName: `${config.prefix}-click-viewer`,
        comment: 'POST /track-click: what the route reads, its CORS preflight, and the viewer address',
        headerBehavior: OriginRequestHeaderBehavior.allowList('Content-Type', 'User-Agent', 'Referer', 'Origin',
          'Access-Control-Request-Method', 'Access-Control-Request-Headers', 'CloudFront-Viewer-Address'),
        queryStringBehavior: OriginRequestQueryStringBehavior.none(),
        cookieBehavior: OriginRequestCookieBehavior.none(),
      }),
    };

    const logs = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED, enforceSSL: true, blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // CloudFront's standard logs are delivered with an ACL grant to the bucket owner.
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(ACCESS_LOG_DAYS) }],
      removalPolicy: removalPolicyOf(config),
    });
    Validations.of(logs).acknowledge({ id: 'AwsSolutions-S1', reason: 'The bucket holds CloudFront’s access logs; logging its own access would log the logs.' });

    this.distribution = new Distribution(this, 'Distribution', {
      comment: `StreamVibe ${config.stage}: public site and API`,
      httpVersion: HttpVersion.HTTP2_AND_3,
      ...(certificateArn ? {
        domainNames: [domainName],
        certificate: Certificate.fromCertificateArn(this, 'Certificate', certificateArn),
        minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
      } : {}),
      defaultBehavior: {
        origin,
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: AllowedMethods.ALLOW_ALL,
        cachePolicy: CachePolicy.CACHING_DISABLED,
        // With caching disabled, this managed policy forwards Authorization too; Host stays the API's own.
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      },
      additionalBehaviors,
      enableLogging: true, logBucket: logs, logFilePrefix: 'cloudfront/',
    });
    Validations.of(this.distribution).acknowledge(
      { id: 'AwsSolutions-CFR1', reason: 'A public website and API for creators and their audiences anywhere: no country is restricted.' },
      {
        id: 'AwsSolutions-CFR2',
        reason: 'No WAF yet: API Gateway throttles every route behind the distribution (public routes lower), and the API stays reachable on its own endpoint, which a web ACL here would not cover.',
      },
      ...(certificateArn ? [] : [{
        id: 'AwsSolutions-CFR4',
        reason: 'Without the stage’s certificate the distribution answers on its *.cloudfront.net name, whose default certificate fixes the security policy (TLSv1); with one, TLSv1.2_2021 is the minimum.',
      }]),
    );

    new CfnOutput(this, 'SiteUrl', { value: `https://${domainName}`, description: 'The public site (PUBLIC_SITE_URL): canonical URLs, sitemap, robots.txt' });
    new CfnOutput(this, 'DistributionDomainName', {
      value: this.distribution.distributionDomainName,
      description: certificateArn ? `Alias (or CNAME) target for ${domainName}` : 'The distribution’s own name (no site certificate given, so no alias)',
    });
  }
}
