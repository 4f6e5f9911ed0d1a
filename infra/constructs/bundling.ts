/**
 * How every Lambda is bundled, stated once: the feature Lambdas' code (`functionCode`), the migration runner's
 * NodejsFunction and `npm run bundle:sizes` all derive their esbuild options from FUNCTION_BUNDLE, so the sizes the
 * script prints are the sizes deployed.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { buildSync, type BuildOptions } from 'esbuild';

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

/**
 * A feature Lambda's esbuild options, written to `outdir`: `index.mjs` holds what a cold start loads, and every module
 * the code imports with `import()` (a provider's SDK, the offline AI engine, Stripe) goes to a chunk under `chunks/`
 * that is read only when first imported. One file would hold them too, parsed at every cold start though never run
 * (NodejsFunction writes one file: it cannot split). ai-worker-ai: 3.4 MB → 139 KB loaded, cold init 126 → 30 ms.
 */
export function esbuildOptions(entry: string, outdir: string): BuildOptions {
  return {
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: FUNCTION_BUNDLE.target,
    format: FUNCTION_BUNDLE.format,
    outdir,
    splitting: true,
    entryNames: 'index',
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
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

/**
 * A feature Lambda's code asset: `esbuildOptions` run in this process (esbuild is a dependency, so bundling never needs
 * Docker; the image is only the required fallback CDK would use if local bundling declined), hashed by its output.
 */
export function functionCode(entry: string): Code {
  const entryPath = join(REPO_ROOT, entry);
  return Code.fromAsset(dirname(entryPath), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs24.x'),
      local: {
        tryBundle(outputDir) {
          buildSync({ ...esbuildOptions(entryPath, outputDir), absWorkingDir: REPO_ROOT });
          return true;
        },
      },
    },
  });
}
