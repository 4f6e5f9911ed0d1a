import { deadLettersRoute, redriveRoute } from './routes/dead-letters.ts';
import { featureCreatorRoute, unfeatureCreatorRoute, verifyCreatorRoute } from './routes/creators.ts';
import { adminJobsRoute, jobHealthRoute } from './routes/jobs.ts';
import { hideRoute, restoreRoute } from './routes/moderation.ts';
import { grantRoleRoute, revokeRoleRoute } from './routes/roles.ts';
import { userRoute } from './routes/users.ts';

/** The admin feature's routes (admin group only, each re-checked against user_role and audited): one Lambda serves them all. */
export const routes = [
  grantRoleRoute, revokeRoleRoute, verifyCreatorRoute, featureCreatorRoute, unfeatureCreatorRoute, hideRoute, restoreRoute, userRoute,
  adminJobsRoute, jobHealthRoute, deadLettersRoute, redriveRoute,
];
