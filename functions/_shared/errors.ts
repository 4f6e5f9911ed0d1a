/** A failure the client caused or may act on: mapped to a 4xx `{ error: { code, message, details? } }`. */
export abstract class AppError extends Error {
  abstract readonly statusCode: number;
  abstract readonly code: string;
  constructor(message: string, readonly details?: unknown, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class ValidationError extends AppError {
  override name = 'ValidationError';
  readonly statusCode = 400;
  readonly code = 'validation_failed';
}

export class BadRequestError extends AppError {
  override name = 'BadRequestError';
  readonly statusCode = 400;
  readonly code = 'bad_request';
}

export class InvalidJsonError extends AppError {
  override name = 'InvalidJsonError';
  readonly statusCode = 400;
  readonly code = 'invalid_json';
}

export class UnauthorizedError extends AppError {
  override name = 'UnauthorizedError';
  readonly statusCode = 401;
  readonly code = 'unauthorized';
}

export class ForbiddenError extends AppError {
  override name = 'ForbiddenError';
  readonly statusCode = 403;
  readonly code = 'forbidden';
}

export class NotFoundError extends AppError {
  override name = 'NotFoundError';
  readonly statusCode = 404;
  readonly code = 'not_found';
}

export class ConflictError extends AppError {
  override name = 'ConflictError';
  readonly statusCode = 409;
  readonly code = 'conflict';
}

export class PayloadTooLargeError extends AppError {
  override name = 'PayloadTooLargeError';
  readonly statusCode = 413;
  readonly code = 'payload_too_large';
}

export class UnsupportedMediaTypeError extends AppError {
  override name = 'UnsupportedMediaTypeError';
  readonly statusCode = 415;
  readonly code = 'unsupported_media_type';
}

export class QuotaExceededError extends AppError {
  override name = 'QuotaExceededError';
  readonly statusCode = 429;
  readonly code = 'quota_exceeded';
}

export class RateLimitedError extends AppError {
  override name = 'RateLimitedError';
  readonly statusCode = 429;
  readonly code = 'rate_limited';
}

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
