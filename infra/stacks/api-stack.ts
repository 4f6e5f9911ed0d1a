import { CfnOutput, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CfnStage, CorsHttpMethod, DomainName, HttpApi, HttpMethod, HttpNoneAuthorizer, HttpStage, LogGroupLogDestination,
  type IHttpRouteAuthorizer,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { AuthMode } from '../../functions/_shared/route.ts';
import type { FunctionSpec, HttpTrigger } from '../../functions/manifest.ts';
import { removalPolicyOf, type StageConfig, type Throttle } from '../config.ts';
import { AppFunction, ManifestConfigError, type FunctionPlatform } from '../constructs/app-function.ts';

export interface ApiStackProps extends StackProps {
  platform: FunctionPlatform;
  /** The features' HTTP Lambdas. */
  functions: FunctionSpec[];
  userPool: IUserPool;
  userPoolClient: IUserPoolClient;
  /** An ACM certificate for the stage's API domain; without one there is no custom domain. */
  certificateArn?: string;
}

/** Routes API Gateway verifies a Cognito JWT for; public routes are open and webhooks verify their own signatures. */
export const JWT_AUTH_MODES: readonly AuthMode[] = ['user', 'admin'];

export class WafNotApplicableError extends Error {
  override name = 'WafNotApplicableError';
}

/** The throttle of a route other than the stage default: public and webhook routes get their own, lower ones. */
export function routeThrottle(config: StageConfig, auth: AuthMode): Throttle | undefined {
  if (auth === 'public') return config.api.publicRouteThrottle;
  if (auth === 'webhook') return config.api.webhookRouteThrottle;
  return undefined;
}

/** $context fields of an HTTP API access log line, as JSON. */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(JSON.stringify({
  requestId: '$context.requestId', ip: '$context.identity.sourceIp', requestTime: '$context.requestTime',
  routeKey: '$context.routeKey', status: '$context.status', protocol: '$context.protocol',
  responseLength: '$context.responseLength', responseLatencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency', integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error', userAgent: '$context.identity.userAgent',
}));

/**
 * The HTTP API (payload 2.0): one Lambda per feature, every route of the feature integrated with it; a JWT
 * authorizer (the user pool as issuer, the app client as audience) on user and admin routes, none on public and
 * webhook routes. Throttling per route (the stage default for signed-in routes, lower limits for each public and
 * webhook route, so anonymous traffic cannot use up what signed-in users and Stripe need), JSON access logs and
 * CORS for the stage's web origins.
 */
export class ApiStack extends Stack {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly functions: AppFunction[] = [];

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config } = props.platform;
    if (config.api.wafRateLimitPer5Minutes !== undefined) {
      throw new WafNotApplicableError(`${config.stage}: api.wafRateLimitPer5Minutes is set, but WAFv2 cannot be associated with an HTTP API; ` +
        'put a CloudFront distribution (with the WAF web ACL) in front of the API first');
    }

    this.api = new HttpApi(this, 'HttpApi', {
      apiName: `${config.prefix}-api`,
      description: `StreamVibe ${config.stage} API`,
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: config.api.corsAllowedOrigins,
        allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PUT, CorsHttpMethod.PATCH, CorsHttpMethod.DELETE, CorsHttpMethod.OPTIONS],
        allowHeaders: ['authorization', 'content-type', 'idempotency-key'],
        // The web app's GET /oauth-<slug>-init is sent with credentials: its answer sets the HttpOnly cookie that binds
        // the authorization to the browser (functions/oauth/authorization.ts). The origins are an explicit list.
        allowCredentials: true,
        maxAge: Duration.hours(1),
      },
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: config.logRetention,
      removalPolicy: removalPolicyOf(config),
    });
    const domainName = props.certificateArn
      ? new DomainName(this, 'Domain', {
        domainName: config.api.domainName,
        certificate: Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn),
      })
      : undefined;
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: config.api.throttleRateLimit, burstLimit: config.api.throttleBurstLimit },
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: ACCESS_LOG_FORMAT },
      ...(domainName ? { domainMapping: { domainName } } : {}),
    });

    const jwt = new HttpJwtAuthorizer('CognitoJwt',
      `https://cognito-idp.${this.region}.amazonaws.com/${props.userPool.userPoolId}`,
      { jwtAudience: [props.userPoolClient.userPoolClientId], identitySource: ['$request.header.Authorization'] });
    const none = new HttpNoneAuthorizer();
    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};

    for (const spec of props.functions) {
      if (spec.trigger.kind !== 'http') throw new ManifestConfigError(`${spec.name}: the API stack builds HTTP functions only`);
      const fn = new AppFunction(this, spec, props.platform);
      // One integration per feature Lambda; every route of the feature points at it (the Lambda dispatches on routeKey).
      const integration = new HttpLambdaIntegration(`${spec.name}-integration`, fn.function);
      for (const route of (spec as FunctionSpec & { trigger: HttpTrigger }).trigger.routes) {
        const authorizer: IHttpRouteAuthorizer = JWT_AUTH_MODES.includes(route.auth) ? jwt : none;
        const [created] = this.api.addRoutes({ path: route.path, methods: [HttpMethod[route.method]], integration, authorizer });
        const throttle = routeThrottle(config, route.auth);
        if (throttle) {
          routeSettings[`${route.method} ${route.path}`] = { ThrottlingRateLimit: throttle.rateLimit, ThrottlingBurstLimit: throttle.burstLimit };
          // API Gateway rejects settings for a route key it does not have yet.
          this.stage.node.addDependency(created!);
        }
        if (authorizer === none) {
          const limit = `API Gateway throttles it per route (${throttle!.rateLimit} rps, burst ${throttle!.burstLimit})`;
          Validations.of(created!).acknowledge({
            id: 'AwsSolutions-APIG4',
            reason: route.auth === 'webhook'
              ? `${route.method} ${route.path} is a third-party webhook: the handler verifies the sender's signature; ${limit}.`
              // Not "as anon" for all: POST /track-click counts through track_content_click as service_role.
              : `${route.method} ${route.path} is public by design (the ${spec.feature} feature's anonymous readers): no caller identity ` +
                `exists to verify, the handler acts as no user, and ${limit}.`,
          });
        }
      }
      this.functions.push(fn);
    }

    (this.stage.node.defaultChild as CfnStage).routeSettings = routeSettings;

    new CfnOutput(this, 'ApiUrl', { value: this.stage.url, description: 'Base URL of the HTTP API' });
    if (domainName) new CfnOutput(this, 'ApiDomainTarget', { value: domainName.regionalDomainName, description: `CNAME target for ${config.api.domainName}` });
  }
}
