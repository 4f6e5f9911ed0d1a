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

/** SQLSTATEs that mean the request, not the server, was wrong (raised by our functions and constraints). */
const POSTGRES_CLIENT_ERRORS: Record<string, (message: string) => AppError> = {
  '22023': (m) => new BadRequestError(m),       // invalid_parameter_value (our functions' argument checks)
  '22P02': (m) => new BadRequestError(m),       // invalid_text_representation (e.g. a malformed uuid)
  '22001': (m) => new BadRequestError(m),       // string_data_right_truncation
  '23514': (m) => new BadRequestError(m),       // check_violation
  '23502': (m) => new BadRequestError(m),       // not_null_violation
  '23503': (m) => new NotFoundError(m),         // foreign_key_violation: the referenced thing does not exist
  '23505': (m) => new ConflictError(m),         // unique_violation
  '23001': (m) => new ConflictError(m),         // restrict_violation
  '42501': () => new ForbiddenError('You are not allowed to do that'),
  'SV429': (m) => new RateLimitedError(m),      // the per-user cap of active jobs (find_or_create_job)
  '55000': (m) => new ConflictError(m),         // object_not_in_prerequisite_state (e.g. a disabled job type)
};

/** Turns a PostgreSQL error we raise on purpose into the matching AppError; anything else stays a 5xx. */
export function fromPostgresError(error: unknown): AppError | undefined {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== 'string' || !(code in POSTGRES_CLIENT_ERRORS)) return undefined;
  const mapped = POSTGRES_CLIENT_ERRORS[code]!((error as Error).message);
  return Object.assign(mapped, { cause: error });
}
