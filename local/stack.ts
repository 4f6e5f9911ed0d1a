import { httpFunctions } from '../functions/manifest.ts';
import { startGateway } from './gateway.ts';
import { LocalIdentity } from './identity.ts';
import { identityRoutes } from './identity-routes.ts';
import { docsRoutes } from './docs-routes.ts';

/**
 * The API side of the local stack: identity + gateway over the manifest's HTTP functions, against a database the
 * caller provides (`npm start` uses the embedded one; tests their own clone). Handlers read DATABASE_URL when
 * first imported, so it is set before anything is mounted.
 */
export async function startApi(options: { databaseUrl: string; port: number; stateDir?: string; poolMax?: number }) {
  process.env.DATABASE_URL = options.databaseUrl;
  process.env.DB_POOL_MAX ??= String(options.poolMax ?? 10);
  process.env.POWERTOOLS_DEV ??= 'false';
  const { handler: postConfirmation } = await import('../functions/auth/post-confirmation.ts');
  const identity = await LocalIdentity.create({
    issuer: `http://localhost:${options.port}/auth`,
    postConfirmation: (event) => postConfirmation(event),
    stateDir: options.stateDir,
  });
  const gateway = await startGateway({
    port: options.port,
    functions: httpFunctions(),
    identity,
    localRoutes: [identityRoutes(identity), docsRoutes()],
  });
  return { ...gateway, identity };
}
