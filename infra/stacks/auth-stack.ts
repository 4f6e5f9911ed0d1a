import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import {
  AccountRecovery, FeaturePlan, LambdaVersion, Mfa, StandardThreatProtectionMode, UserPool, UserPoolClient, UserPoolOperation,
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
 * The identity: a Cognito user pool (email sign-in, strong passwords, optional TOTP) and a public app client
 * (SRP, no secret), the user/admin/moderator groups, and the manifest's triggers: post-confirmation creates
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
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
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
      { id: 'AwsSolutions-COG2', reason: 'MFA is optional (TOTP) for a consumer sign-up flow; creators can turn it on, and admin actions are guarded by group membership.' },
      ...(config.cognito.threatProtection ? [] : [{
        id: 'AwsSolutions-COG8',
        reason: `Cognito's Plus plan (threat protection, billed per MAU) is used in prod; ${config.stage} has no real users.`,
      }]),
    );
  }
}
