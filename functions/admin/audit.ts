import type { TransactionSql } from 'postgres';
import { asService, db } from '../_shared/db.ts';
import { ForbiddenError } from '../_shared/errors.ts';
import type { Request } from '../_shared/route.ts';

/** One audit_log row: who (the admin), what (action on an entity), whose data, and the entity before and after. */
export interface AuditEntry {
  action: string;
  entityType: string;
  entityId: string;
  /** Whose data it is (the user the entity belongs to), if anyone's. */
  userId: string | null;
  before: unknown;
  after: unknown;
}

/** What an admin action's code gets: the service's transaction and the one way to record what it did. */
export interface AdminTx {
  tx: TransactionSql;
  actorId: string;
  audit(entry: AuditEntry): Promise<void>;
}

/**
 * Runs an admin action in one transaction as the service, after the route's group check: the caller must still hold
 * `admin` in user_role now (a revoked admin's token keeps its group until it expires), and every audit row it writes
 * commits with the change it records, or neither does.
 */
export function asAdmin<T>(request: Pick<Request, 'claims' | 'sourceIp' | 'userAgent'>, work: (admin: AdminTx) => Promise<T>): Promise<T> {
  const actorId = request.claims!.sub;
  return asService(db(), async (tx) => {
    const [row] = await tx`SELECT has_role(${actorId}::uuid, 'admin') AS admin`;
    if (!row?.admin) throw new ForbiddenError('This route is for administrators');
    const audit = async (entry: AuditEntry) => {
      await tx`
        INSERT INTO audit_log (user_id, actor_id, action, entity_type, entity_id, old_values, new_values, ip_address, user_agent)
        VALUES (${entry.userId}, ${actorId}, ${entry.action}, ${entry.entityType}, ${entry.entityId},
                ${tx.json(entry.before as never)}, ${tx.json(entry.after as never)}, ${ipOrNull(request.sourceIp)}::inet, ${request.userAgent.slice(0, 1000) || null})`;
    };
    return work({ tx, actorId, audit });
  });
}

const ipOrNull = (ip: string) => (/^[0-9a-fA-F.:]{2,45}$/.test(ip) ? ip : null);
