import { Logger } from '@aws-lambda-powertools/logger';

/** Keys whose values never reach a log line, whatever they hold (compared lower-case, without `_` and `-`). */
const SECRET_KEYS = new Set([
  'accesstoken', 'refreshtoken', 'idtoken', 'token', 'tokens', 'authorization', 'cookie', 'cookies', 'setcookie',
  'password', 'secret', 'clientsecret', 'apikey', 'codeverifier', 'email', 'emails',
]);
const JWT = /\beyJ[\w-]+\.[\w-]+\.[\w-]*/g;
const BEARER = /\bBearer\s+[^\s"',;]+/gi;
// No `/` in either part, so `node_modules/@scope/pkg.js` in a stack trace is left alone.
const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/gi;

/**
 * The one place that keeps tokens and email addresses out of the logs, for every logger call and every error's
 * fields (a PostgreSQL error's `detail` can quote an email): values under a secret-sounding key are dropped, and JWTs,
 * bearer credentials and email addresses inside any string are masked. Opaque provider tokens cannot be recognised in
 * free text, so code must never put them in a message; they stay in the vault (functions/oauth/vault.ts).
 */
export function redactLogValue(key: string, value: unknown): unknown {
  if (key && value !== undefined && value !== null && SECRET_KEYS.has(key.toLowerCase().replace(/[-_]/g, ''))) return '[redacted]';
  if (typeof value !== 'string') return value;
  return value.replace(JWT, '[jwt]').replace(BEARER, 'Bearer [redacted]').replace(EMAIL, '[email]');
}

/**
 * Structured JSON logs: the middy stacks add the request id and function context to every line, the HTTP stack the
 * caller's `user_id` (the JWT's `sub`); every value goes through `redactLogValue`.
 */
export const logger = new Logger({
  serviceName: 'streamvibe',
  logLevel: (process.env.LOG_LEVEL as 'INFO' | undefined) ?? 'INFO',
  jsonReplacerFn: redactLogValue,
});
