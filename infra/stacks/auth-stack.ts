import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import {
  AccountRecovery, FeaturePlan, LambdaVersion, Mfa, StandardThreatProtectionMode, UserPool, UserPoolClient, UserPoolEmail, UserPoolOperation,
} from 'aws-cdk-lib/aws-cognito';
import type { Construct } from 'constructs';
import type { CognitoEvent, FunctionSpec } from '../../functions/manifest.ts';
import { AppFunction, ManifestConfigError, type FunctionPlatform } from '../constructs/app-function.ts';

export interface AuthStackProps extends StackProps {
  platform: FunctionPlatform;
  /** The features' Cognito trigger Lambdas. */
  functions: FunctionSpec[];
}

/**
 * Cognito groups. Tokens do not carry memberships of these: the pre-token-generation trigger overrides
 * `cognito:groups` with the user's roles from `user_role` (the one source of truth; `admin` opens the admin routes).
 */
export const USER_GROUPS = ['user', 'admin', 'moderator'] as const;

/**
 * Where each manifest Cognito event plugs in. Pre token generation V2 (groups in the access token too) needs the
 * Essentials or Plus feature plan, which the pool has.
 */
const TRIGGER_OPERATIONS: Record<CognitoEvent, { operation: UserPoolOperation; version?: LambdaVersion }> = {
  PostConfirmation: { operation: UserPoolOperation.POST_CONFIRMATION },
  PreTokenGeneration: { operation: UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, version: LambdaVersion.V2_0 },
};

/**
 * The identity: a Cognito user pool (email sign-in, strong passwords, TOTP MFA required or optional per stage, mail
 * through SES where the stage has a verified identity) and a public app client (SRP, no secret, no OAuth flows), the
 * user/admin/moderator groups, and the manifest's triggers: post-confirmation creates
 * the `users` row, pre-token-generation puts the user's roles into `cognito:groups`. API Gateway verifies the pool's
 * tokens (issuer + audience = this client).
 */
export class AuthStack extends Stack {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  readonly functions: AppFunction[] = [];

  constructor(scope: Construct, id: string, props: AuthStackProps) {
    super(scope, id, props);
    const { config } = props.platform;
    this.userPool = new UserPool(this, 'Users', {
      userPoolName: `${config.prefix}-users`,
      selfSignUpEnabled: true,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: {
        minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: config.cognito.mfa === 'required' ? Mfa.REQUIRED : Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      ...(config.cognito.ses ? {
        email: UserPoolEmail.withSES({
          fromEmail: config.cognito.ses.fromEmail, fromName: config.cognito.ses.fromName,
          sesVerifiedDomain: config.cognito.ses.verifiedDomain, sesRegion: config.cognito.ses.region,
        }),
      } : {}),
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      ...(config.cognito.threatProtection
        ? { featurePlan: FeaturePlan.PLUS, standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION }
        : { featurePlan: FeaturePlan.ESSENTIALS }),
      deletionProtection: config.cognito.deletionProtection,
      removalPolicy: config.cognito.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    USER_GROUPS.forEach((groupName, precedence) =>
      this.userPool.addGroup(`Group-${groupName}`, { groupName, precedence: USER_GROUPS.length - precedence }));

    this.client = this.userPool.addClient('App', {
      userPoolClientName: `${config.prefix}-app`,
      authFlows: { userSrp: true },
      // Sign-in is SRP against the pool's API; there is no hosted UI or domain. Without this CDK would turn on the
      // authorization-code and implicit OAuth flows with https://example.com as the callback.
      disableOAuth: true,
      generateSecret: false,
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      enableTokenRevocation: true,
    });

    for (const spec of props.functions) {
      if (spec.trigger.kind !== 'cognito') throw new ManifestConfigError(`${spec.name}: the auth stack builds Cognito triggers only`);
      const fn = new AppFunction(this, spec, props.platform);
      for (const event of spec.trigger.events) {
        const { operation, version } = TRIGGER_OPERATIONS[event];
        this.userPool.addTrigger(operation, fn.function, version);
      }
      this.functions.push(fn);
    }

    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId, description: 'Cognito user pool id' });
    new CfnOutput(this, 'UserPoolClientId', { value: this.client.userPoolClientId, description: 'Cognito app client id (public, SRP)' });

    Validations.of(this.userPool).acknowledge(
      ...(config.cognito.mfa === 'required' ? [] : [{
        id: 'AwsSolutions-COG2',
        reason: `MFA (TOTP) is optional on ${config.stage}, which has no real users; prod requires it for every user, admins included (Cognito cannot require it for one group).`,
      }]),
      ...(config.cognito.threatProtection ? [] : [{
        id: 'AwsSolutions-COG8',
        reason: `Cognito's Plus plan (threat protection, billed per MAU) is used in prod; ${config.stage} has no real users.`,
      }]),
    );
  }
}
