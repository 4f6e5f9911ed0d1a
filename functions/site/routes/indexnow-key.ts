import * as z from 'zod/mini';
import { NotFoundError } from '../../_shared/errors.ts';
import { defineRoute, raw } from '../../_shared/route.ts';
import { indexNowKey, indexNowKeyFile } from '../indexnow-key.ts';
import { tags } from './common.ts';

/**
 * GET /<key>.txt, the file IndexNow engines fetch to check a submission's key. API Gateway takes a path variable only as
 * a whole segment (`/{key}.txt` is refused at deploy), so the route is any one-segment GET path the API has no fixed
 * route for, and every name but the key file's is a 404.
 */
export const indexNowKeyRoute = defineRoute({ method: 'GET', path: '/{file}', operationId: 'indexnow-key-file', auth: 'public', tags,
  responseMediaType: 'text/plain', cache: { maxAgeSeconds: 3600, sMaxAgeSeconds: 86_400 },
  summary: 'The IndexNow key file: `/<INDEXNOW_KEY>.txt` answers the key as text/plain; any other name is a 404',
  params: () => z.object({ file: z.string().check(z.maxLength(200)) }) },
async ({ params }) => {
  const key = indexNowKey();
  if (params.file !== indexNowKeyFile(key)) throw new NotFoundError('No such file');
  return raw(200, key, { 'content-type': 'text/plain; charset=utf-8' });
});
