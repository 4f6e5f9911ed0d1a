import { send, type LocalRoute } from './gateway.ts';
import { IdentityError, type LocalIdentity } from './identity.ts';

/**
 * The local identity's HTTP face (Cognito's hosted endpoints stand-in): POST /auth/sign-up, POST /auth/sign-in
 * with `{ email, password }`, and GET /auth/.well-known/jwks.json.
 */
export function identityRoutes(identity: LocalIdentity): LocalRoute {
  return async (req, res, url, body) => {
    if (!url.pathname.startsWith('/auth/')) return false;
    if (req.method === 'GET' && url.pathname === '/auth/.well-known/jwks.json') {
      send(res, 200, identity.jwks());
      return true;
    }
    const action = { '/auth/sign-up': 'signUp', '/auth/sign-in': 'signIn' }[url.pathname] as 'signUp' | 'signIn' | undefined;
    if (req.method !== 'POST' || !action) return false;
    try {
      const { email, password } = parseCredentials(body);
      if (action === 'signUp') send(res, 201, await identity.signUp(email, password));
      else send(res, 200, await identity.signIn(email, password));
    } catch (error) {
      if (!(error instanceof IdentityError)) throw error;
      send(res, error.statusCode, { error: { code: error.code, message: error.message } });
    }
    return true;
  };
}

function parseCredentials(body: string): { email: string; password: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new IdentityError(400, 'invalid_json', 'Send { "email", "password" } as JSON');
  }
  const { email, password } = (parsed ?? {}) as Record<string, unknown>;
  if (typeof email !== 'string' || typeof password !== 'string') {
    throw new IdentityError(400, 'validation_failed', 'email and password are required strings');
  }
  return { email, password };
}
