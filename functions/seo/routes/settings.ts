import * as z from 'zod/mini';
import { db } from '../../_shared/db.ts';
import { defineRoute } from '../../_shared/route.ts';
import { findSettings, saveSettings } from '../queries.ts';
import { tags } from './common.ts';

const Settings = () => z.object({
  auto_submit: z.boolean().check(z.describe('announce every change to a public item of yours (published, edited, deleted) to IndexNow and your connections, within a minute')),
});

export const getSettingsRoute = defineRoute({
  method: 'GET', path: '/seo-settings', auth: 'user', tags, response: Settings,
  summary: 'The caller’s SEO settings (auto-submit)',
}, ({ claims }) => findSettings(db(), claims.sub));

export const putSettingsRoute = defineRoute({
  method: 'PUT', path: '/seo-settings', auth: 'user', tags, operationId: 'seo-settings-update', body: () => z.strictObject({ auto_submit: z.boolean() }),
  response: Settings, summary: 'Turn auto-submit on or off',
}, ({ claims, body }) => saveSettings(db(), claims.sub, body.auto_submit));
