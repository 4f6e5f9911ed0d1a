/**
 * How every Lambda is bundled, stated once: the CDK construct (NodejsFunction) and `npm run bundle:sizes` both
 * derive their esbuild options from FUNCTION_BUNDLE, so the sizes the script prints are the sizes deployed.
 */
import { fileURLToPath } from 'node:url';
import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/** The repository root: entries in the manifest are relative to it. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const FUNCTION_BUNDLE = {
  /** Matches the nodejs24.x runtime. */
  target: 'node24',
  /** ES modules: the handlers are ESM, and the migration runner finds its SQL files through import.meta.url. */
  format: 'esm',
  minify: true,
  sourceMap: true,
  /**
   * The map holds mappings only, not the sources: Node parses the whole map when it loads the bundle (with
   * --enable-source-maps, LAMBDA_NODE_OPTIONS), and the sources made up most of it (ai-worker-ai: a 19 MB map, 67 ms of
   * every cold start). Stack traces still name the TypeScript file, line and column.
   */
  sourcesContent: false,
  /** The runtime provides AWS SDK v3 and its Smithy core; bundling them would add hundreds of KB per function. */
  externalModules: ['@aws-sdk/*', '@smithy/*'],
  mainFields: ['module', 'main'],
  /** CommonJS dependencies bundled into an ES module still call require() for Node built-ins. */
  banner: "import{createRequire as __createRequire}from'node:module';const require=__createRequire(import.meta.url);",
  /**
   * Legal comments (`/*!`, `@license`, `@preserve`) go to index.mjs.LEGAL.txt beside the bundle, in the same asset,
   * instead of the end of the code the runtime loads (esbuild's default); today they are only Powertools' coverage
   * hints.
   */
  legalComments: 'external',
} as const;

/** NODE_OPTIONS of every Lambda: stack traces through the bundle's source map point at the TypeScript. */
export const LAMBDA_NODE_OPTIONS = '--enable-source-maps';

/** The bundling props of NodejsFunction. */
export function nodejsBundling(extra: Partial<BundlingOptions> = {}): BundlingOptions {
  return {
    target: FUNCTION_BUNDLE.target,
    format: OutputFormat.ESM,
    minify: FUNCTION_BUNDLE.minify,
    sourceMap: FUNCTION_BUNDLE.sourceMap,
    externalModules: [...FUNCTION_BUNDLE.externalModules],
    mainFields: [...FUNCTION_BUNDLE.mainFields],
    banner: FUNCTION_BUNDLE.banner,
    ...extra,
    esbuildArgs: { '--legal-comments': FUNCTION_BUNDLE.legalComments, '--sources-content': String(FUNCTION_BUNDLE.sourcesContent), ...extra.esbuildArgs },
  };
}

/** The esbuild build options NodejsFunction runs for an entry (its CLI flags, as the JavaScript API spells them). */
export function esbuildOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: FUNCTION_BUNDLE.target,
    format: FUNCTION_BUNDLE.format,
    outfile,
    minify: FUNCTION_BUNDLE.minify,
    sourcemap: FUNCTION_BUNDLE.sourceMap,
    sourcesContent: FUNCTION_BUNDLE.sourcesContent,
    external: [...FUNCTION_BUNDLE.externalModules],
    mainFields: [...FUNCTION_BUNDLE.mainFields],
    banner: { js: FUNCTION_BUNDLE.banner },
    legalComments: FUNCTION_BUNDLE.legalComments,
    logLevel: 'warning',
  };
}
