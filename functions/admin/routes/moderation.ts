import * as z from 'zod/mini';
import { defineRoute } from '../../_shared/route.ts';
import { uuid } from '../../_shared/schemas.ts';
import { asAdmin } from '../audit.ts';
import { setHidden } from '../queries.ts';
import { ChangeResponse, HiddenState } from '../responses.ts';
import { reason, tags } from './common.ts';

const kind = () => z.enum(['content', 'creator']);
export const HideBody = () => z.strictObject({ kind: kind(), id: uuid, reason: reason() });
export const RestoreBody = () => z.strictObject({ kind: kind(), id: uuid });

export const hideRoute = defineRoute({ method: 'POST', path: '/admin-hide', auth: 'admin', tags, body: HideBody,
  response: ChangeResponse(HiddenState),
  summary: 'Hide a content item or a creator from discovery, search, trending and the site, with a reason (the owner is told and still sees it)' },
(request) => asAdmin(request, (admin) => setHidden(admin, request.body.kind, request.body.id, request.body.reason)));

export const restoreRoute = defineRoute({ method: 'POST', path: '/admin-restore', auth: 'admin', tags, body: RestoreBody,
  response: ChangeResponse(HiddenState), summary: 'Show a hidden content item or creator again' },
(request) => asAdmin(request, (admin) => setHidden(admin, request.body.kind, request.body.id, null)));
