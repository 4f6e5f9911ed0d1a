/**
 * The CDK app: `npx cdk synth|deploy --all -c stage=dev|staging|prod`. Stacks are environment-agnostic (account
 * and region come from the deploying credentials), so synth needs no AWS access.
 */
import { App } from 'aws-cdk-lib';
import { loadMigrations } from '../db/migrate.ts';
import { stageConfig } from './config.ts';
import { checkWithCdkNag } from './nag.ts';
import { createStreamVibe } from './streamvibe.ts';

const app = new App();
// cdk-nag on every synth and deploy: an open finding fails the command.
checkWithCdkNag(app);
const config = stageConfig(app.node.tryGetContext('stage') ?? 'dev');
const alarmEmail = app.node.tryGetContext('alarmEmail') as string | undefined;
if (alarmEmail) config.alarms.email = alarmEmail;
const siteCertificateArn = app.node.tryGetContext('siteCertificateArn') as string | undefined;
if (siteCertificateArn) config.site.certificateArn = siteCertificateArn;

createStreamVibe(app, {
  config,
  migrations: await loadMigrations(),
  apiCertificateArn: app.node.tryGetContext('apiCertificateArn') as string | undefined,
});
app.synth();
