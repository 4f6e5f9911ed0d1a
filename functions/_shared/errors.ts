/** A failure the client caused or may act on: mapped to a 4xx `{ error: { code, message, details? } }`. */
export abstract class AppError extends Error {
  abstract readonly statusCode: number;
  abstract readonly code: string;
  constructor(message: string, readonly details?: unknown, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A kind of AppError: its class (for `new` and `instanceof`), named, with its status and code. */
function errorKind(name: string, statusCode: number, code: string) {
  const kind = class extends AppError {
    readonly statusCode = statusCode;
    readonly code = code;
  };
  Object.defineProperty(kind.prototype, 'name', { value: name });
  return kind;
}

export const ValidationError = errorKind('ValidationError', 400, 'validation_failed');
export const BadRequestError = errorKind('BadRequestError', 400, 'bad_request');
export const InvalidJsonError = errorKind('InvalidJsonError', 400, 'invalid_json');
export const UnauthorizedError = errorKind('UnauthorizedError', 401, 'unauthorized');
export const ForbiddenError = errorKind('ForbiddenError', 403, 'forbidden');
export const NotFoundError = errorKind('NotFoundError', 404, 'not_found');
export const ConflictError = errorKind('ConflictError', 409, 'conflict');
export const PayloadTooLargeError = errorKind('PayloadTooLargeError', 413, 'payload_too_large');
export const UnsupportedMediaTypeError = errorKind('UnsupportedMediaTypeError', 415, 'unsupported_media_type');
export const RateLimitedError = errorKind('RateLimitedError', 429, 'rate_limited');

interface PostgresError {
  code?: unknown;
  routine?: unknown;
  constraint_name?: unknown;
}

/**
 * Constraints whose violation says which field of the request was wrong: a 400 naming it, never the constraint's text.
 * (A foreign key such as users.primary_category → category.code is an unknown value, not a missing resource.)
 */
const CONSTRAINT_ERRORS: Record<string, () => AppError> = {
  users_primary_category_fkey: () => new ValidationError('Invalid request body', [{ path: 'primary_category', message: 'Unknown category' }]),
  content_item_category_code_fkey: () => new ValidationError('Invalid request body', [{ path: 'category', message: 'Unknown category' }]),
};

/**
 * SQLSTATEs that mean the request, not the server, was wrong, each with the fixed message a client gets (PostgreSQL's
 * own text, which can quote input and name constraints and types, goes to the log only).
 */
const SQLSTATE_ERRORS: Record<string, (message: string) => AppError> = {
  '22023': (m) => new BadRequestError(m),       // invalid_parameter_value (our functions' argument checks)
  '22P02': (m) => new BadRequestError(m),       // invalid_text_representation (e.g. a malformed uuid)
  '22001': (m) => new BadRequestError(m),       // string_data_right_truncation
  '23514': (m) => new BadRequestError(m),       // check_violation
  '23502': (m) => new BadRequestError(m),       // not_null_violation
  '23503': (m) => new NotFoundError(m),         // foreign_key_violation: the referenced thing does not exist
  'P0002': (m) => new NotFoundError(m),         // no_data_found (our functions: not the caller's, or not there)
  '23505': (m) => new ConflictError(m),         // unique_violation
  '23001': (m) => new ConflictError(m),         // restrict_violation
  '42501': () => new ForbiddenError('You are not allowed to do that'),
  'SV429': (m) => new RateLimitedError(m),      // the per-user cap of active jobs (find_or_create_job)
  '55000': (m) => new ConflictError(m),         // object_not_in_prerequisite_state (e.g. a disabled job type)
};

const FIXED_MESSAGES: Record<string, string> = {
  '22023': 'A value is not allowed here',
  '22P02': 'A value has the wrong format',
  '22001': 'A value is too long',
  '23514': 'A value is not allowed here',
  '23502': 'A required value is missing',
  '23503': 'Something the request refers to does not exist',
  '23505': 'This already exists',
  '23001': 'This is still in use',
  'SV429': 'Too many requests',
  '55000': 'This cannot be done in the current state',
};

/**
 * Turns a PostgreSQL error the client caused into the matching AppError; anything else stays a 5xx. The message is
 * ours: a RAISE in one of our functions (PL/pgSQL's exec_stmt_raise) was written for clients and passes; anything
 * PostgreSQL itself says is replaced by the fixed message of its SQLSTATE, or by the field its constraint names.
 */
export function fromPostgresError(error: unknown): AppError | undefined {
  const { code, routine, constraint_name: constraint } = (error ?? {}) as PostgresError;
  if (typeof code !== 'string' || !(code in SQLSTATE_ERRORS)) return undefined;
  const byConstraint = typeof constraint === 'string' ? CONSTRAINT_ERRORS[constraint] : undefined;
  const ours = routine === 'exec_stmt_raise';
  const mapped = byConstraint ? byConstraint() : SQLSTATE_ERRORS[code]!(ours ? (error as Error).message : FIXED_MESSAGES[code] ?? 'Invalid request');
  return Object.assign(mapped, { cause: error });
}

/** postgres.js's own codes for a connection that closed, ended, was destroyed or could not be made in time. */
const LOST_CONNECTION_CODES = new Set(['CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT']);
/** Socket errors of a connection the network or the server cut. */
const LOST_SOCKET_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Whether the database connection went away under the request (a failover, RDS Proxy or an operator ending it, the
 * server restarting), so that a retry, on a new connection, may well succeed. SQLSTATE 57P01-57P03 (admin or crash
 * shutdown, cannot connect now) and class 08 (connection exception) say so too, but 08P01: a protocol violation is a
 * client's fault that a retry repeats.
 */
export function isLostConnection(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return LOST_CONNECTION_CODES.has(code) || LOST_SOCKET_CODES.has(code) || /^57P0[123]$/.test(code)
    || (/^08[0-9A-Z]{3}$/.test(code) && code !== '08P01');
}
