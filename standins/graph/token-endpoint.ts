import { randomUUID } from 'node:crypto';
import type { StandInRoutes } from './context';
import { sleep } from './faults';
import { ARM_RESOURCE, DEFENDER_RESOURCE, GRAPH_RESOURCE, seconds } from './responses';

/** The Entra ID token endpoint: OpenID discovery and the client-credentials grant, with AADSTS errors. */

export const tokenEndpoint: StandInRoutes = ({ app, live, faults, requestLog, tokens, entra }) => {
  app.get('/:tenant/v2.0/.well-known/openid-configuration', async (req, reply) => {
    const entry = requestLog.record(req, 'openidConfiguration');
    const { tenant } = req.params as { tenant: string };
    const base = `${live.url}/${tenant}`;
    entry.status = 200;
    reply.raw.once('finish', () => (entry.respondedAt = Date.now()));
    return reply.send({
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${base}/v2.0`,
      request_uri_parameter_supported: false,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
    });
  });

  app.post('/:tenant/oauth2/v2.0/token', async (req, reply) => {
    const entry = requestLog.record(req, 'token');
    entry.body = undefined; // never keep the secret in the log
    const form = (req.body ?? {}) as Record<string, string>;
    const { tenant } = req.params as { tenant: string };
    const aadError = (status: number, error: string, code: number, description: string) => {
      entry.status = status;
      reply.raw.once('finish', () => (entry.respondedAt = Date.now()));
      return reply.code(status).send({
        error,
        error_description: `AADSTS${code}: ${description} Trace ID: ${randomUUID()} Correlation ID: ${randomUUID()} Timestamp: ${seconds(new Date())}`,
        error_codes: [code],
        timestamp: seconds(new Date()),
        trace_id: randomUUID(),
        correlation_id: randomUUID(),
      });
    };
    const latency = faults.take('token', 'latency');
    if (latency?.kind === 'latency') await sleep(latency.ms);
    const fault = faults.take('token', 'before');
    if (fault?.kind === 'hang') return new Promise<never>(() => undefined);
    if (fault?.kind === 'error')
      return aadError(
        fault.status,
        fault.code ?? 'temporarily_unavailable',
        50_001,
        fault.message ?? 'The service is temporarily unavailable.',
      );
    if (tenant !== live.state.tenantId) return aadError(400, 'invalid_tenant', 90_002, `Tenant '${tenant}' not found.`);
    if (form.grant_type !== 'client_credentials' && form.grant_type !== 'authorization_code')
      return aadError(400, 'unsupported_grant_type', 70_003, 'The app requested an unsupported grant type.');
    if (form.client_id !== live.state.app.clientId) {
      return aadError(
        400,
        'unauthorized_client',
        700_016,
        `Application with identifier '${form.client_id}' was not found in the directory.`,
      );
    }
    if (form.client_assertion !== undefined) {
      entry.grant = 'client_assertion';
      const problem = tokens.assertionProblem(form, `${live.url}/${tenant}/oauth2/v2.0/token`);
      if (problem)
        return aadError(401, 'invalid_client', 700_027, `Client assertion failed signature validation: ${problem}`);
    } else {
      entry.grant = 'client_secret';
      if (form.client_secret !== live.state.app.clientSecret) {
        return aadError(
          401,
          'invalid_client',
          7_000_215,
          'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
        );
      }
    }
    if (form.grant_type === 'authorization_code') {
      const answer = await entra.redeem(form);
      if (!answer.ok) return aadError(answer.status, answer.error, answer.code, answer.description);
      entry.status = 200;
      reply.raw.once('finish', () => (entry.respondedAt = Date.now()));
      return reply.send(answer.body);
    }
    const scope = (form.scope ?? '').split(' ').find((s) => s.endsWith('/.default'));
    const resource = scope?.replace(/\/\.default$/, '');
    if (resource !== GRAPH_RESOURCE && resource !== DEFENDER_RESOURCE && resource !== ARM_RESOURCE) {
      return aadError(
        400,
        'invalid_resource',
        500_011,
        `The resource principal named ${resource} was not found in the tenant.`,
      );
    }
    entry.audience = resource;
    entry.status = 200;
    reply.raw.once('finish', () => (entry.respondedAt = Date.now()));
    return reply.send({
      token_type: 'Bearer',
      expires_in: tokens.lifetimeSeconds,
      ext_expires_in: tokens.lifetimeSeconds,
      access_token: tokens.issue(resource),
    });
  });
};
