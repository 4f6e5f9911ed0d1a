import * as z from 'zod/mini';
import { defineRoute } from '../../_shared/route.ts';
import { categoryCode, uuid } from '../../_shared/schemas.ts';
import { asAdmin } from '../audit.ts';
import { featureCreator, setVerified, unfeatureCreator } from '../queries.ts';
import { ChangeResponse, FeaturedState, VerifiedState } from '../responses.ts';
import { instant, tags } from './common.ts';

export const VerifyBody = () => z.strictObject({ user_id: uuid, verified: z.boolean() });

export const verifyCreatorRoute = defineRoute({ method: 'POST', path: '/admin-creator-verify', auth: 'admin', tags, body: VerifyBody,
  response: ChangeResponse(VerifiedState), summary: 'Verify or unverify a creator' },
(request) => asAdmin(request, (admin) => setVerified(admin, request.body)));

export const FeatureBody = () => z.strictObject({
  user_id: uuid,
  /** Featured in this category's list; left out: the front page's list. */
  category: z.optional(categoryCode),
  headline: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(200))),
  position: z.int().check(z.gte(0), z.lte(10_000)),
  starts_at: z.optional(instant()),
  ends_at: z.optional(instant()),
}).check(z.refine((b) => !b.ends_at || Date.parse(b.ends_at) > Date.parse(b.starts_at ?? new Date().toISOString()),
  { message: 'ends_at must be after starts_at (default: now)', path: ['ends_at'] }));

export const featureCreatorRoute = defineRoute({ method: 'POST', path: '/admin-creator-feature', auth: 'admin', tags, body: FeatureBody,
  response: ChangeResponse(FeaturedState),
  summary: 'Feature a creator (front page or a category) at a position, for a period; featuring again replaces their entry in that list' },
(request) => asAdmin(request, (admin) => featureCreator(admin, request.body)));

export const UnfeatureBody = () => z.strictObject({ user_id: uuid, category: z.optional(categoryCode) });

export const unfeatureCreatorRoute = defineRoute({ method: 'POST', path: '/admin-creator-unfeature', auth: 'admin', tags, body: UnfeatureBody,
  response: ChangeResponse(FeaturedState), summary: 'End a creator’s featured entry (front page or a category)' },
(request) => asAdmin(request, (admin) => unfeatureCreator(admin, request.body)));
