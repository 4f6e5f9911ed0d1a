import * as z from 'zod/mini';
import { db } from '../../_shared/db.ts';
import { defineRoute } from '../../_shared/route.ts';
import { uuid } from '../../_shared/schemas.ts';
import { deleteMyContent } from '../queries.ts';
import { DeleteMyContentResponse } from '../responses.ts';
import { tags } from './common.ts';

export const DeleteMyContentQuery = () => z.object({ content_id: uuid });

/**
 * Soft-deletes (archives) one of the caller's items: gone from discovery and from the list unless include_deleted.
 * Idempotent, as a DELETE should be: an item the caller already deleted answers 200 with its first deleted_at and
 * already_deleted true, so a retry after a lost answer succeeds. Another user's item and no item are the same 404.
 */
export const deleteMyContentRoute = defineRoute({ method: 'DELETE', path: '/my-content', auth: 'user', tags, operationId: 'my-content-delete',
  query: DeleteMyContentQuery, response: DeleteMyContentResponse,
  summary: 'Delete (archive) one of the caller’s items: hidden everywhere, kept with its history' },
({ claims, query }) => deleteMyContent(db(), claims, query.content_id));
