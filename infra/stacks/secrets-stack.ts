import { ArnFormat, SecretValue, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct, IConstruct } from 'constructs';
import type { SecretFamily } from '../../functions/manifest.ts';
import { removalPolicyOf, type StageConfig } from '../config.ts';

export interface SecretsStackProps extends StackProps {
  config: StageConfig;
}

/** What a function needs to use a family of secrets: its environment and its IAM grant. */
export interface SecretsAccess {
  environment(family: SecretFamily): Record<string, string>;
  grant(family: SecretFamily, grantee: IGrantable): void;
  /**
   * A secret setting for a function: the secret's ARN, to put in `<NAME>_SECRET_ARN` (the function reads the value
   * at cold start), after granting the function secretsmanager:GetSecretValue on that one secret.
   */
  bindEnvironmentSecret(name: string, grantee: IGrantable): string;
}

/** Actions of the token vault on its own secrets: create one per connection, read, refresh, revoke. */
const OAUTH_TOKEN_ACTIONS = [
  'secretsmanager:CreateSecret', 'secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue',
  'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecret', 'secretsmanager:TagResource',
  'secretsmanager:DeleteSecret',
];
/** Actions of the seo feature on its connections' credentials: create one per connection, read, delete. */
const SEO_CREDENTIAL_ACTIONS = [
  'secretsmanager:CreateSecret', 'secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:TagResource',
  'secretsmanager:DeleteSecret',
];
/** Actions of a feature that uses connections' tokens (sync): read them, and store the tokens a refresh returned. */
const OAUTH_TOKEN_USER_ACTIONS = ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'];

/** Why a generated secret is rotated by hand, where it is no HMAC key. */
const GENERATED_ROTATION: Record<string, string> = {
  EDGE_ORIGIN_SECRET: 'EDGE_ORIGIN_SECRET is shared by CloudFront (a custom origin header, resolved at deploy) and the discovery Lambda; rotate by hand: put-secret-value, then deploy the edge stack (clicks between the two are counted by the edge address).',
};

/**
 * OAuth token secrets live under `streamvibe/<stage>/oauth/` (one per connected account, created at run time by
 * the token vault; the database keeps only the name), encrypted with this stack's key. A function gets access
 * only when its manifest entry names the family, and only to that prefix. Secret settings (infra/config.ts) get one
 * secret each, `streamvibe/<stage>/env/<NAME>`, generated or set by an operator; a function that reads one gets its
 * ARN in `<NAME>_SECRET_ARN` and GetSecretValue on it alone, and fetches the value at cold start (Powertools
 * Parameters), so no value is ever in a function's configuration.
 */
export class SecretsStack extends Stack {
  readonly access: SecretsAccess;
  readonly oauthKey: Key;
  readonly environmentSecrets: Record<string, Secret> = {};

  constructor(scope: Construct, id: string, props: SecretsStackProps) {
    super(scope, id, props);
    const { config } = props;
    const oauthPrefix = `streamvibe/${config.stage}/oauth/`;
    // SEO connections' credentials (a Google service account key, a Bing API key), encrypted with the same key.
    const seoPrefix = `streamvibe/${config.stage}/seo/`;
    const removalPolicy = removalPolicyOf(config);

    this.oauthKey = new Key(this, 'OAuthTokensKey', {
      description: `StreamVibe ${config.stage}: encrypts the OAuth token secrets under ${oauthPrefix}`,
      enableKeyRotation: true,
      removalPolicy,
    });

    for (const [name, source] of Object.entries(config.functionEnvironment).sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (!('secret' in source)) continue;
      const secret = new Secret(this, `Env-${name}`, {
        secretName: environmentSecretName(config.stage, name),
        description: source.secret === 'generated'
          ? `StreamVibe ${config.stage}: ${name} (random, generated at creation)`
          : `StreamVibe ${config.stage}: ${name}; replace the placeholder with aws secretsmanager put-secret-value`,
        ...(source.secret === 'generated'
          ? { generateSecretString: { passwordLength: 48, excludePunctuation: true } }
          // A placeholder, not a secret: CloudFormation leaves the operator's value alone on later deploys.
          : { secretStringValue: SecretValue.unsafePlainText('unset') }),
        removalPolicy,
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: source.secret === 'generated'
          ? GENERATED_ROTATION[name] ?? `${name} is an HMAC key whose rotation resets what it dedupes; rotate by hand (put-secret-value: warm functions read it within 5 minutes).`
          : `${name} is issued by a third party and rolled there (the secret holds old and new, comma-separated, during a roll); Secrets Manager rotation cannot do that.`,
      });
      this.environmentSecrets[name] = secret;
    }

    const stack = Stack.of(this);
    const seoSecretsArn = stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${seoPrefix}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const oauthSecretsArn = stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${oauthPrefix}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const key = this.oauthKey;
    this.access = {
      environment: (family): Record<string, string> => {
        switch (family) {
          case 'oauth': case 'oauth-tokens': return { OAUTH_SECRET_PREFIX: oauthPrefix, OAUTH_SECRET_KMS_KEY_ARN: key.keyArn };
          case 'seo': return { SEO_SECRET_PREFIX: seoPrefix, SEO_SECRET_KMS_KEY_ARN: key.keyArn };
        }
      },
      grant: (family, grantee) => {
        const viaSecretsManager = () => grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({
          actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
          resources: [key.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` } },
        }));
        switch (family) {
          case 'oauth': case 'oauth-tokens':
            Validations.of(grantee as unknown as IConstruct).acknowledge({
              id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${oauthPrefix}*]`,
              reason: `The token vault creates one secret per connected account at run time: access is scoped to the ${oauthPrefix} prefix.`,
            });
            grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({
              actions: family === 'oauth' ? OAUTH_TOKEN_ACTIONS : OAUTH_TOKEN_USER_ACTIONS, resources: [oauthSecretsArn],
            }));
            // The key only through Secrets Manager, for these secrets.
            viaSecretsManager();
            return;
          case 'seo':
            Validations.of(grantee as unknown as IConstruct).acknowledge({
              id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${seoPrefix}*]`,
              reason: `The seo feature creates one secret per SEO connection at run time: access is scoped to the ${seoPrefix} prefix.`,
            });
            grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions: SEO_CREDENTIAL_ACTIONS, resources: [seoSecretsArn] }));
            viaSecretsManager();
            return;
        }
      },
      bindEnvironmentSecret: (name, grantee) => {
        const secret = this.environmentSecrets[name];
        if (!secret) throw new Error(`${name} is not a secret environment variable of ${config.stage}`);
        // Read only, this secret only (no DescribeSecret, no prefix); it is encrypted with aws/secretsmanager.
        grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }));
        return secret.secretArn;
      },
    };
  }
}

/** The name of a secret setting's secret: fixed per stage, so an operator can find it (`put-secret-value`). */
export const environmentSecretName = (stage: string, variable: string) => `streamvibe/${stage}/env/${variable}`;
