/**
 * THE list of StreamVibe's functions: what each runs, how it is triggered, its limits and what it may use.
 * The CDK app creates one Lambda per entry from it, and the local stack mounts the same entries; nothing else
 * lists functions.
 */
import type { RouteSpec } from './_shared/route.ts';
import { routes as account } from './account/routes.ts';

export interface HttpTrigger {
  kind: 'http';
  route: RouteSpec;
}
/** Cognito user-pool triggers (the local identity calls the same handler). */
export interface CognitoTrigger {
  kind: 'cognito';
  event: 'PostConfirmation';
}
export type Trigger = HttpTrigger | CognitoTrigger;

export interface FunctionSpec {
  name: string;
  /** Repo-relative module that exports `handler`. */
  entry: string;
  description: string;
  trigger: Trigger;
  timeoutSeconds: number;
  memoryMb: number;
  /** Extra environment variables the function reads (besides the database's), so deploys grant and set only those. */
  env?: string[];
}

const API_TIMEOUT_SECONDS = 10;
const API_MEMORY_MB = 512;

const http = (name: string, entry: string, route: RouteSpec, extra: Partial<FunctionSpec> = {}): FunctionSpec => ({
  name, entry, description: route.summary, trigger: { kind: 'http', route },
  timeoutSeconds: API_TIMEOUT_SECONDS, memoryMb: API_MEMORY_MB, ...extra,
});

export const functions: FunctionSpec[] = [
  {
    name: 'auth-post-confirmation', entry: 'functions/auth/post-confirmation.ts',
    description: 'Creates the users row when a sign-up is confirmed', trigger: { kind: 'cognito', event: 'PostConfirmation' },
    timeoutSeconds: 5, memoryMb: 256,
  },
  http('auth-profile-setup', 'functions/account/profile-setup.ts', account.profileSetup),
  http('me', 'functions/account/me.ts', account.me),
  http('me-update', 'functions/account/me-update.ts', account.updateMe),
  http('notifications', 'functions/account/notifications.ts', account.notifications),
  http('notifications-mark-read', 'functions/account/notifications-mark-read.ts', account.markNotificationsRead),
];

export const httpFunctions = (): (FunctionSpec & { trigger: HttpTrigger })[] =>
  functions.filter((f): f is FunctionSpec & { trigger: HttpTrigger } => f.trigger.kind === 'http');
