import * as z from 'zod/mini';
import { QUEUE_NAMES } from '../../_shared/queues.ts';
import { defineRoute } from '../../_shared/route.ts';
import { intParam } from '../../_shared/schemas.ts';
import { asAdmin } from '../audit.ts';
import { inspectDeadLetters, redriveDeadLetters } from '../dead-letters.ts';
import { DeadLettersResponse, RedriveResponse } from '../responses.ts';
import { tags } from './common.ts';

export const DeadLettersQuery = () => z.object({ queue: z.enum(QUEUE_NAMES), limit: z.prefault(intParam(1, 100), 20) });

export const deadLettersRoute = defineRoute({ method: 'GET', path: '/admin-dead-letters', auth: 'admin', tags, query: DeadLettersQuery,
  response: DeadLettersResponse, summary: 'A queue’s dead-letter messages: the job, its kind, why it failed and how often it was tried' },
(request) => asAdmin(request, () => inspectDeadLetters(request.query.queue, request.query.limit)));

export const RedriveBody = () => z.strictObject({
  queue: z.enum(QUEUE_NAMES),
  /** One message (its id from /admin-dead-letters); left out: all of them, up to 100 a call. */
  message_id: z.optional(z.string().check(z.minLength(1), z.maxLength(100), z.regex(/^[A-Za-z0-9._-]+$/, 'must be a message id from /admin-dead-letters'))),
});

export const redriveRoute = defineRoute({ method: 'POST', path: '/admin-dead-letters-redrive', auth: 'admin', tags, body: RedriveBody,
  response: RedriveResponse,
  summary: 'Send dead-letter messages (one, or all up to 100 a call) back to their queue after a fix: each job that failed for good gets one more attempt' },
(request) => redriveDeadLetters(request, request.body.queue, request.body.message_id));
