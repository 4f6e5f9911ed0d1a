import { AppError } from '../_shared/errors.ts';

/** The caller's plan does not include this (the tier's limit is 0): 402, saying which plan does. */
export class UpgradeRequiredError extends AppError {
  readonly statusCode = 402;
  readonly code = 'upgrade_required';
}

/** The engine refused the credentials or the site at creation: 422, with the engine's fix-it message. */
export class VerificationFailedError extends AppError {
  readonly statusCode = 422;
  readonly code = 'verification_failed';
}
