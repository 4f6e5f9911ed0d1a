import type { MigrationDatabase } from './migrate.ts';

/** The roles an operator grants; `user_role` is the one source of truth, tokens carry them as `cognito:groups`. */
export const GRANTABLE_ROLES = ['admin', 'moderator'] as const;
export type GrantableRole = (typeof GRANTABLE_ROLES)[number];

export class UserNotFoundError extends Error {
  override name = 'UserNotFoundError';
  constructor(readonly email: string) {
    super(`No user ${email}: sign up first (the users row is created when a sign-up is confirmed)`);
  }
}

export interface RoleChange {
  userId: string;
  email: string;
  role: GrantableRole;
  /** What happened: `unchanged` when the user already had (or, for a revoke, already lacked) the role. */
  change: 'granted' | 'revoked' | 'unchanged';
  before: string[];
  after: string[];
}

/**
 * One statement, so it is atomic and runs unchanged over postgres.js and the RDS Data API: find the user by email
 * (citext, case-insensitive), insert or delete the role idempotently, and write an audit_log row when something
 * changed. Run as the database owner (Aurora's master user), which holds service_role's policies through
 * streamvibe_definer. $1 email, $2 role, $3 revoke.
 */
const CHANGE_ROLE_SQL = `
  WITH target AS (
    SELECT id, email::text AS email FROM public.users WHERE email OPERATOR(extensions.=) $1::text::extensions.citext
  ), before AS (
    SELECT ARRAY(SELECT r.role::text FROM public.user_role r JOIN target t ON t.id = r.user_id ORDER BY r.role::text COLLATE "C") AS roles
  ), granted AS (
    INSERT INTO public.user_role (user_id, role) SELECT id, $2::text::public.app_role_enum FROM target WHERE NOT $3::boolean
    ON CONFLICT (user_id, role) DO NOTHING
    RETURNING user_id
  ), revoked AS (
    DELETE FROM public.user_role r USING target t
    WHERE $3::boolean AND r.user_id = t.id AND r.role = $2::text::public.app_role_enum
    RETURNING r.user_id
  ), changed AS (
    SELECT user_id FROM granted UNION ALL SELECT user_id FROM revoked
  ), after AS (
    SELECT CASE WHEN NOT EXISTS (SELECT FROM changed) THEN b.roles
                WHEN $3::boolean THEN array_remove(b.roles, $2::text)
                ELSE ARRAY(SELECT x FROM unnest(b.roles || $2::text) x ORDER BY x COLLATE "C") END AS roles
    FROM before b
  ), audit AS (
    INSERT INTO public.audit_log (user_id, action, entity_type, entity_id, old_values, new_values)
    SELECT c.user_id, CASE WHEN $3::boolean THEN 'revoke' ELSE 'grant' END, 'user_role', c.user_id::text,
           jsonb_build_object('roles', b.roles), jsonb_build_object('roles', a.roles)
    FROM changed c, before b, after a
  )
  SELECT t.id::text AS user_id, t.email, array_to_string(b.roles, ',') AS before, array_to_string(a.roles, ',') AS after,
         EXISTS (SELECT FROM changed) AS changed
  FROM target t, before b, after a`;

/** Grants (or, with `revoke`, revokes) a role to the user with this email; idempotent. Effective at the user's next token. */
export async function changeRole(db: MigrationDatabase, input: { email: string; role: GrantableRole; revoke?: boolean }): Promise<RoleChange> {
  if (!GRANTABLE_ROLES.includes(input.role)) throw new RangeError(`role must be one of ${GRANTABLE_ROLES.join(', ')}; got ${input.role}`);
  const revoke = input.revoke ?? false;
  const [row] = await db.transaction((exec) => exec(CHANGE_ROLE_SQL, [input.email.trim(), input.role, revoke]));
  if (!row) throw new UserNotFoundError(input.email);
  const list = (value: unknown) => (value ? String(value).split(',') : []);
  return {
    userId: String(row.user_id),
    email: String(row.email),
    role: input.role,
    change: row.changed ? (revoke ? 'revoked' : 'granted') : 'unchanged',
    before: list(row.before),
    after: list(row.after),
  };
}

/** One line for the operator: "granted admin to x@y (was: none)", "x@y already has admin (roles: admin)". */
export function describeRoleChange(c: RoleChange): string {
  const roles = (r: string[]) => (r.length ? r.join(', ') : 'none');
  if (c.change === 'granted') return `granted ${c.role} to ${c.email} (was: ${roles(c.before)})`;
  if (c.change === 'revoked') return `revoked ${c.role} from ${c.email} (now: ${roles(c.after)})`;
  return `${c.email} ${c.before.includes(c.role) ? 'already has' : 'does not have'} ${c.role} (roles: ${roles(c.after)}); nothing changed`;
}
