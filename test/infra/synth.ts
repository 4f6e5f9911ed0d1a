/**
 * Fast, offline synthesis of the CDK app for tests: bundling skipped (`aws:cdk:bundling-stacks: []`), CloudFormation
 * validation off, and cdk.json's feature flags passed in (a `new App()` outside the CLI does not read cdk.json).
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadMigrations, type Migration } from '../../db/migrate.ts';
import { stageConfig, type Stage, type StageConfig } from '../../infra/config.ts';
import { checkWithCdkNag } from '../../infra/nag.ts';
import { createStreamVibe, type StreamVibeProps } from '../../infra/streamvibe.ts';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };

/** cdk.json's context (feature flags), with the stage and test-only settings. */
export const testContext = (stage: Stage) => ({
  ...cdkJson.context, stage, 'aws:cdk:bundling-stacks': [],
  // What the CLI adds to every synth: the construct path of each resource (tests find resources by it).
  'aws:cdk:enable-path-metadata': true,
});

let migrations: Migration[] | undefined;
export const manifestMigrations = async () => (migrations ??= await loadMigrations());

export interface SynthOptions extends Partial<Omit<StreamVibeProps, 'config'>> {
  /** Adjust the stage's configuration before the stacks are built. */
  configure?: (config: StageConfig) => void;
  /** Register cdk-nag's AwsSolutions pack on this App (never mix with Template.fromStack: it throws on findings). */
  nag?: boolean;
  /** Where app.synth() writes the cloud assembly (default: a temporary directory CDK picks). */
  outdir?: string;
}

/** Builds the whole app for a stage in a fresh App; returns the App and the stacks. */
export async function buildStage(stage: Stage, options: SynthOptions = {}) {
  const app = new App({ context: testContext(stage), builtinCloudFormationValidation: false, outdir: options.outdir });
  if (options.nag) checkWithCdkNag(app);
  const config = stageConfig(stage);
  options.configure?.(config);
  const { configure: _configure, nag: _nag, outdir: _outdir, ...props } = options;
  const stacks = createStreamVibe(app, { migrations: await manifestMigrations(), ...props, config });
  return { app, stacks };
}

/** Templates of every stack of a stage, by stack id. */
export async function synthStage(stage: Stage, options: SynthOptions = {}) {
  const { app, stacks } = await buildStage(stage, options);
  const templates = Object.fromEntries(Object.values(stacks).map((s) => [s.stackName, Template.fromStack(s)]));
  return { app, stacks, templates };
}
