/** The login role that runs migrations: the same attributes as Aurora's master user (never superuser, no BYPASSRLS). */
export const OWNER_ROLE = 'streamvibe_owner';
/** The login role the Lambdas use: it can only SET ROLE to anon, authenticated or service_role. */
export const APP_ROLE = 'streamvibe_app';

export type DbRole = 'anon' | 'authenticated' | 'service_role';

/** Verified identity claims, shaped like a Cognito ID token (what API Gateway's JWT authorizer passes on). */
export interface Claims {
  sub: string;
  email?: string;
  'cognito:groups'?: string[];
  token_use?: 'id' | 'access';
  [key: string]: unknown;
}
