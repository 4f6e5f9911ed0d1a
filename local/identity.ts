import { randomUUID, scrypt as scryptCallback, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { PreTokenGenerationAuthenticationV2TriggerEvent, PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK, type CryptoKey } from 'jose';

const scrypt = promisify(scryptCallback) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

export const LOCAL_CLIENT_ID = 'streamvibe-local-client';
const TOKEN_TTL_SECONDS = 3600;
const KEY_ID = 'streamvibe-local-1';

export interface IdentityUser {
  sub: string;
  email: string;
  passwordHash: string;  // scrypt$<salt hex>$<hash hex>
  createdAt: string;
}

export interface Tokens {
  id_token: string;
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

export class IdentityError extends Error {
  override name = 'IdentityError';
  constructor(readonly statusCode: number, readonly code: string, message: string) {
    super(message);
  }
}

/** Runs after a sign-up is confirmed: in AWS the Cognito trigger invokes the same handler with this event. */
export type PostConfirmation = (event: { triggerSource: 'PostConfirmation_ConfirmSignUp'; userName: string;
  request: { userAttributes: Record<string, string> } }) => Promise<unknown>;

/** Runs before tokens are issued: in AWS the Cognito trigger (V2) invokes the same handler; its groups become `cognito:groups`. */
export type PreTokenGeneration = (event: PreTokenGenerationAuthenticationV2TriggerEvent) =>
  Promise<Pick<PreTokenGenerationV2TriggerEvent, 'response'>>;

interface State {
  privateJwk: JWK;
  users: IdentityUser[];
}

/**
 * A local stand-in for the Cognito user pool: sign-up (auto-confirmed, running the post-confirmation handler) and
 * sign-in issuing RS256 ID and access tokens with Cognito's claim names, verifiable against `jwks()`. Like the
 * pool, it keeps no groups of its own: `cognito:groups` is what the pre-token-generation handler says (user_role).
 * State (signing key and users) is kept in `stateDir` when given, so tokens survive restarts.
 */
export class LocalIdentity {
  private constructor(
    readonly issuer: string,
    private state: State,
    private privateKey: CryptoKey,
    private readonly postConfirmation: PostConfirmation,
    private readonly preTokenGeneration: PreTokenGeneration,
    private readonly stateDir?: string,
  ) {}

  static async create(options: {
    issuer: string; postConfirmation: PostConfirmation; preTokenGeneration: PreTokenGeneration; stateDir?: string;
  }): Promise<LocalIdentity> {
    const saved = options.stateDir ? await readFile(join(options.stateDir, 'identity.json'), 'utf8').then(JSON.parse, () => undefined) : undefined;
    const state: State = saved ? { ...saved, users: saved.users.map(withoutGroups) } : { privateJwk: await newSigningKey(), users: [] };
    const privateKey = (await importJWK(state.privateJwk, 'RS256')) as CryptoKey;
    const identity = new LocalIdentity(options.issuer, state, privateKey, options.postConfirmation, options.preTokenGeneration, options.stateDir);
    if (!saved) await identity.save();
    return identity;
  }

  /** The public signing keys, as a Cognito user pool publishes them at /.well-known/jwks.json. */
  jwks(): { keys: JWK[] } {
    const { d, p, q, dp, dq, qi, ...publicJwk } = this.state.privateJwk;
    return { keys: [{ ...publicJwk, kid: KEY_ID, alg: 'RS256', use: 'sig' }] };
  }

  async signUp(email: string, password: string): Promise<{ userSub: string }> {
    const normalised = email.trim().toLowerCase();
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(normalised) || normalised.length > 254) {
      throw new IdentityError(400, 'invalid_email', 'Enter a valid email address');
    }
    if (password.length < 8 || password.length > 256) throw new IdentityError(400, 'invalid_password', 'Passwords have 8 to 256 characters');
    if (this.find(normalised)) throw new IdentityError(409, 'user_exists', 'An account with this email already exists');
    const user: IdentityUser = { sub: randomUUID(), email: normalised, passwordHash: await hashPassword(password), createdAt: new Date().toISOString() };
    await this.postConfirmation({
      triggerSource: 'PostConfirmation_ConfirmSignUp',
      userName: user.sub,
      request: { userAttributes: { sub: user.sub, email: user.email, email_verified: 'true' } },
    });
    this.state.users.push(user);
    await this.save();
    return { userSub: user.sub };
  }

  async signIn(email: string, password: string): Promise<Tokens> {
    const user = this.find(email.trim().toLowerCase());
    if (!user || !(await verifyPassword(password, user.passwordHash))) {
      throw new IdentityError(401, 'invalid_credentials', 'Incorrect email or password');
    }
    return this.issueTokens(user);
  }

  /** Issues tokens as Cognito does after authentication: the pre-token-generation handler decides `cognito:groups`. */
  async issueTokens(user: Pick<IdentityUser, 'sub' | 'email'>): Promise<Tokens> {
    const { response } = await this.preTokenGeneration({
      version: '2', triggerSource: 'TokenGeneration_Authentication', region: 'local', userPoolId: 'local', userName: user.sub,
      callerContext: { awsSdkVersion: 'local', clientId: LOCAL_CLIENT_ID },
      request: { userAttributes: { sub: user.sub, email: user.email, email_verified: 'true' }, groupConfiguration: { groupsToOverride: [] } },
      response: { claimsAndScopeOverrideDetails: {} },
    });
    const groups = response.claimsAndScopeOverrideDetails?.groupOverrideDetails?.groupsToOverride ?? [];
    const now = Math.floor(Date.now() / 1000);
    // Cognito leaves the claim out when the user is in no group.
    const common = { ...(groups.length ? { 'cognito:groups': groups } : {}), auth_time: now, origin_jti: randomUUID() };
    const sign = (claims: Record<string, unknown>) => new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: KEY_ID })
      .setIssuer(this.issuer).setSubject(user.sub).setIssuedAt(now).setExpirationTime(now + TOKEN_TTL_SECONDS).setJti(randomUUID())
      .sign(this.privateKey);
    return {
      id_token: await sign({ ...common, aud: LOCAL_CLIENT_ID, token_use: 'id', email: user.email, email_verified: true, 'cognito:username': user.sub }),
      access_token: await sign({ ...common, client_id: LOCAL_CLIENT_ID, token_use: 'access', scope: 'aws.cognito.signin.user.admin', username: user.sub }),
      token_type: 'Bearer',
      expires_in: TOKEN_TTL_SECONDS,
    };
  }

  private find(email: string): IdentityUser | undefined {
    return this.state.users.find((u) => u.email === email);
  }

  private async save(): Promise<void> {
    if (!this.stateDir) return;
    await mkdir(this.stateDir, { recursive: true });
    await writeFile(join(this.stateDir, 'identity.json'), JSON.stringify(this.state, null, 2), { mode: 0o600 });
  }
}

/** State saved before user_role became the source of roles carried `groups` per user; they no longer mean anything. */
function withoutGroups({ groups: _ignored, ...user }: IdentityUser & { groups?: unknown }): IdentityUser {
  return user;
}

async function newSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return exportJWK(privateKey);
}

async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString('hex')}$${(await scrypt(password, salt, 32)).toString('hex')}`;
}

async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [, saltHex, hashHex] = stored.split('$');
  const expected = Buffer.from(hashHex ?? '', 'hex');
  const actual = await scrypt(password, Buffer.from(saltHex ?? '', 'hex'), expected.length || 32);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
