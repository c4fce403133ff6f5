import { createHash, randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Live, StandInRoutes } from '../graph/context';
import type { SigningKeys } from './keys';
import { errorPage, mfaPage, passwordPage } from './pages';

/**
 * Entra ID's v2 authorization endpoint, as the step-up page uses it: the authorization-code flow with PKCE (S256 only
 * here), a sign-in page (user and password, always asked again: every request is treated as `prompt=login`), an MFA
 * step that can be skipped, and the code exchange. The ID token carries `acrs` — the authentication contexts asked for
 * in `claims` — only when the MFA step was done, as a Conditional Access policy requiring MFA would make it.
 */

export const DEMO_PASSWORD = 'demo-password';
export const DEMO_MFA_CODE = '123456';

export interface IdTokenOverrides {
  /** Issue the token for another audience (another app). */
  audience?: string;
  /** Issue the token from another tenant (issuer and `tid`). */
  tenantId?: string;
  /** Back-date `iat` and `auth_time` (a stale sign-in). */
  issuedSecondsAgo?: number;
  /** Carry this nonce instead of the request's (a token replayed from another sign-in). */
  nonce?: string;
}

export interface EntraSignIn {
  /** Web redirect URIs registered on the app; an authorization request for any other is refused. */
  redirectUris: Set<string>;
  /** Password per UPN (lower case); everyone else signs in with `DEMO_PASSWORD`. */
  passwords: Map<string, string>;
  /** Applied to every ID token issued while set. */
  idTokenOverrides: IdTokenOverrides;
  /** Every authorization request's query, in arrival order. */
  authorizeRequests: Record<string, string>[];
  /** The latest codes issued, newest last, for tests that redeem or replay one themselves. */
  issuedCodes: string[];
  routes: StandInRoutes;
  /** The `authorization_code` grant, after the client authenticated; the token response or an AADSTS error. */
  redeem(form: Record<string, string>): Promise<TokenAnswer>;
  reset(): void;
}

export type TokenAnswer =
  | { ok: true; body: Record<string, unknown> }
  | { ok: false; status: number; error: string; code: number; description: string };

interface Interaction {
  query: Record<string, string>;
  tenantId: string;
  userId?: string;
  userPrincipalName?: string;
  passwordAt?: number;
}
interface IssuedCode {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  nonce?: string;
  userId: string;
  userPrincipalName: string;
  displayName: string;
  authTime: number;
  acrs: string[];
  expiresAt: number;
  redeemed: boolean;
}

const authorizeQuery = z.object({
  client_id: z.string(),
  response_type: z.string(),
  redirect_uri: z.string(),
  scope: z.string(),
  state: z.string().optional(),
  nonce: z.string().optional(),
  code_challenge: z.string().optional(),
  code_challenge_method: z.string().optional(),
  prompt: z.string().optional(),
  login_hint: z.string().optional(),
  claims: z.string().optional(),
});

/** The authentication contexts `claims` asks for in the ID token's `acrs`. */
function requestedContexts(claims: string | undefined): string[] {
  if (!claims) return [];
  try {
    const acrs = (JSON.parse(claims) as { id_token?: { acrs?: { value?: unknown; values?: unknown } } }).id_token?.acrs;
    const values = [acrs?.value, ...(Array.isArray(acrs?.values) ? acrs.values : [])];
    return values.filter((v): v is string => typeof v === 'string');
  } catch {
    return [];
  }
}

const random = () => randomBytes(24).toString('base64url');

export function createEntraSignIn(live: Live, keys: SigningKeys): EntraSignIn {
  const interactions = new Map<string, Interaction>();
  const codes = new Map<string, IssuedCode>();
  const sign: EntraSignIn = {
    redirectUris: new Set(),
    passwords: new Map(),
    idTokenOverrides: {},
    authorizeRequests: [],
    issuedCodes: [],
    routes,
    redeem,
    reset() {
      sign.idTokenOverrides = {};
      sign.authorizeRequests.length = 0;
      sign.issuedCodes.length = 0;
      interactions.clear();
      codes.clear();
    },
  };

  const html = (reply: FastifyReply, status: number, body: string) =>
    reply.code(status).header('content-type', 'text/html; charset=utf-8').send(body);

  function redirectWith(reply: FastifyReply, redirectUri: string, params: Record<string, string | undefined>) {
    const url = new URL(redirectUri);
    for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(key, value);
    return reply.code(302).redirect(url.toString());
  }

  function finish(reply: FastifyReply, interaction: Interaction, mfa: boolean) {
    const { query } = interaction;
    const user = live.state.users.find((u) => u.id === interaction.userId)!;
    const code = random();
    codes.set(code, {
      clientId: query.client_id!,
      redirectUri: query.redirect_uri!,
      codeChallenge: query.code_challenge!,
      nonce: query.nonce,
      userId: user.id,
      userPrincipalName: user.userPrincipalName,
      displayName: user.displayName,
      authTime: Math.floor((interaction.passwordAt ?? Date.now()) / 1000),
      acrs: mfa ? requestedContexts(query.claims) : [],
      expiresAt: Date.now() + 10 * 60_000,
      redeemed: false,
    });
    sign.issuedCodes.push(code);
    if (sign.issuedCodes.length > 20) sign.issuedCodes.shift();
    return redirectWith(reply, query.redirect_uri!, { code, state: query.state });
  }

  function routes({ app }: Parameters<StandInRoutes>[0]): void {
    app.get('/:tenant/discovery/v2.0/keys', async () => keys.jwks);

    app.get('/:tenant/oauth2/v2.0/authorize', async (req, reply) => {
      const { tenant } = req.params as { tenant: string };
      const raw = req.query as Record<string, string>;
      sign.authorizeRequests.push({ ...raw });
      if (tenant !== live.state.tenantId)
        return html(reply, 400, errorPage(`AADSTS90002: Tenant '${tenant}' not found.`));
      const parsed = authorizeQuery.safeParse(raw);
      if (!parsed.success)
        return html(
          reply,
          400,
          errorPage('AADSTS900144: The request body must contain client_id, response_type, redirect_uri and scope.'),
        );
      const query = parsed.data;
      if (query.client_id !== live.state.app.clientId)
        return html(
          reply,
          400,
          errorPage(`AADSTS700016: Application with identifier '${query.client_id}' was not found in the directory.`),
        );
      if (!sign.redirectUris.has(query.redirect_uri))
        return html(
          reply,
          400,
          errorPage(
            `AADSTS50011: The redirect URI '${query.redirect_uri}' does not match the redirect URIs configured for the application.`,
          ),
        );
      const fail = (error: string, description: string) =>
        redirectWith(reply, query.redirect_uri, { error, error_description: description, state: query.state });
      if (query.response_type !== 'code')
        return fail('unsupported_response_type', 'AADSTS700054: only code is supported here.');
      if (!query.scope.split(' ').includes('openid'))
        return fail('invalid_request', 'AADSTS900144: scope must include openid.');
      if (!query.code_challenge || query.code_challenge_method !== 'S256')
        return fail('invalid_request', 'AADSTS9002325: Proof Key for Code Exchange (S256) is required.');
      const interaction = random();
      interactions.set(interaction, { query: raw, tenantId: tenant });
      return html(reply, 200, passwordPage({ interaction, loginHint: query.login_hint }));
    });

    app.post('/:tenant/oauth2/v2.0/password', async (req, reply) => {
      const form = (req.body ?? {}) as Record<string, string>;
      const interaction = interactions.get(form.interaction ?? '');
      if (!interaction) return html(reply, 400, errorPage('AADSTS90014: the sign-in session expired; start again.'));
      const upn = (form.username ?? '').trim().toLowerCase();
      const user = live.state.users.find((u) => u.userPrincipalName.toLowerCase() === upn);
      const expected = sign.passwords.get(upn) ?? DEMO_PASSWORD;
      if (!user || form.password !== expected)
        return html(
          reply,
          200,
          passwordPage({
            interaction: form.interaction!,
            loginHint: form.username,
            error: 'Your account or password is incorrect.',
          }),
        );
      if (!user.accountEnabled)
        return html(
          reply,
          200,
          passwordPage({
            interaction: form.interaction!,
            loginHint: form.username,
            error: 'AADSTS50057: The user account is disabled.',
          }),
        );
      interaction.userId = user.id;
      interaction.userPrincipalName = user.userPrincipalName;
      interaction.passwordAt = Date.now();
      return html(reply, 200, mfaPage({ interaction: form.interaction!, user: user.userPrincipalName }));
    });

    app.post('/:tenant/oauth2/v2.0/mfa', async (req, reply) => {
      const form = (req.body ?? {}) as Record<string, string>;
      const interaction = interactions.get(form.interaction ?? '');
      if (!interaction?.userId)
        return html(reply, 400, errorPage('AADSTS90014: the sign-in session expired; start again.'));
      if (form.step === 'skip') {
        interactions.delete(form.interaction!);
        return finish(reply, interaction, false);
      }
      if (form.code !== DEMO_MFA_CODE)
        return html(
          reply,
          200,
          mfaPage({
            interaction: form.interaction!,
            user: interaction.userPrincipalName!,
            error: 'That code is not right.',
          }),
        );
      interactions.delete(form.interaction!);
      return finish(reply, interaction, true);
    });
  }

  async function redeem(form: Record<string, string>): Promise<TokenAnswer> {
    const refuse = (code: number, description: string, error = 'invalid_grant'): TokenAnswer => ({
      ok: false,
      status: 400,
      error,
      code,
      description,
    });
    const issued = codes.get(form.code ?? '');
    if (!issued || issued.expiresAt < Date.now())
      return refuse(70_008, 'The provided authorization code or refresh token has expired or is invalid.');
    if (issued.redeemed) return refuse(54_005, 'OAuth2 Authorization code was already redeemed.');
    issued.redeemed = true;
    if (issued.clientId !== form.client_id)
      return refuse(70_000, 'The provided authorization code was issued to another client.');
    if (issued.redirectUri !== form.redirect_uri)
      return refuse(
        500_112,
        'The reply address does not match the reply address that was used to obtain the authorization code.',
      );
    const verifier = form.code_verifier ?? '';
    if (createHash('sha256').update(verifier).digest('base64url') !== issued.codeChallenge)
      return refuse(
        501_481,
        'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
      );
    const overrides = sign.idTokenOverrides;
    const tenantId = overrides.tenantId ?? live.state.tenantId;
    const back = overrides.issuedSecondsAgo ?? 0;
    const now = Math.floor(Date.now() / 1000) - back;
    const idToken = await keys.sign({
      ver: '2.0',
      iss: `${live.url}/${tenantId}/v2.0`,
      aud: overrides.audience ?? issued.clientId,
      sub: createHash('sha256').update(`${issued.clientId}|${issued.userId}`).digest('base64url').slice(0, 43),
      oid: issued.userId,
      tid: tenantId,
      iat: now,
      nbf: now,
      exp: now + 3600,
      auth_time: issued.authTime - back,
      ...((overrides.nonce ?? issued.nonce) !== undefined ? { nonce: overrides.nonce ?? issued.nonce } : {}),
      name: issued.displayName,
      preferred_username: issued.userPrincipalName,
      ...(issued.acrs.length ? { acrs: issued.acrs } : {}),
    });
    return {
      ok: true,
      body: {
        token_type: 'Bearer',
        scope: 'openid profile',
        expires_in: 3599,
        ext_expires_in: 3599,
        id_token: idToken,
      },
    };
  }

  return sign;
}
