import * as z from 'zod/mini';
import { db } from '../../_shared/db.ts';
import { defineRoute } from '../../_shared/route.ts';
import { setUpProfile } from '../queries.ts';
import { MeResponse } from '../responses.ts';
import { profileFields, tags } from './common.ts';

export const ProfileSetupBody = () => {
  const fields = profileFields();
  return z.strictObject({
    ...fields,
    bio: z.optional(fields.bio),
    avatar_url: z.optional(fields.avatar_url),
    website_url: z.optional(fields.website_url),
    primary_category: z.optional(fields.primary_category),
    is_public: z._default(fields.is_public, true),
  });
};

export const profileSetupRoute = defineRoute({ method: 'POST', path: '/auth-profile-setup', auth: 'user', tags, body: ProfileSetupBody,
  response: MeResponse,
  summary: 'Complete the creator profile (name, unique slug, bio, category) and mark the account onboarded' },
({ claims, body }) => setUpProfile(db(), claims, body));
