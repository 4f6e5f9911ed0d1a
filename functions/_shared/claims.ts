import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Claims } from '../../db/roles.ts';

type ClaimValue = string | number | boolean | string[] | undefined;

/**
 * The verified JWT claims API Gateway's JWT authorizer passed on (payload 2.0), or undefined on public routes.
 * HTTP APIs flatten array claims to strings such as "[admin user]"; both forms are accepted.
 */
export function claimsFromEvent(event: APIGatewayProxyEventV2): Claims | undefined {
  const context = event.requestContext as APIGatewayProxyEventV2['requestContext'] & {
    authorizer?: { jwt?: { claims?: Record<string, ClaimValue> } };
  };
  const raw = context.authorizer?.jwt?.claims;
  if (!raw || typeof raw.sub !== 'string' || raw.sub === '') return undefined;
  return {
    ...raw,
    sub: raw.sub,
    email: typeof raw.email === 'string' ? raw.email : undefined,
    'cognito:groups': parseGroups(raw['cognito:groups']),
    token_use: raw.token_use === 'access' ? 'access' : 'id',
  };
}

function parseGroups(value: ClaimValue): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== 'string' || value.trim() === '') return [];
  return value.replace(/^\[|\]$/g, '').split(/[\s,]+/).filter(Boolean);
}

export const isAdmin = (claims: Claims): boolean => (claims['cognito:groups'] ?? []).includes('admin');
