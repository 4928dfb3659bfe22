/**
 * The Ayra TRQP profile's read routes (trustoverip/tswg-trust-registry-protocol,
 * reference_implementation/api/ayra-trqp-extension.yml), answered from the replica:
 *
 * - `GET /metadata` — TrustRegistryMetadata: `id` and `defaultEGF_DID` are this network's id (the
 *   ecosystem), `controllers` the governance authorities in force.
 * - `GET /entities/{id}` — what the registry holds about an entity: authority entry, accreditations.
 * - `GET /entities/{id}/authorizations` — one AuthorizationResponse per (action, resource,
 *   jurisdiction) the entity holds an accreditation for, each evaluated with the chain search
 *   verification uses (`time` query parameter, RFC 3339 UTC; default now).
 * - `GET /ecosystems/{id}` — the ecosystem: governance version, threshold, validity, authorities.
 * - `GET /ecosystems/{id}/recognitions` — one RecognitionResponse per authority of the governance in
 *   force at `time`.
 * - `GET /ecosystems/{id}/lookups/authorizations` and `/lookups/didMethods` — the authorizations
 *   (action:resource) and DID methods in use in the replica.
 *
 * An ecosystem id other than this network's, or an entity the registry never saw, is a 404 Problem
 * Details body (RFC 7807), like every error here. Nothing here fetches anything: the replica answers.
 */
import { findChain, type ParsedGovernance } from '@trustmesh/registry';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.ts';
import type { RouteContext } from './route-context.ts';

const PROBLEM = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
    message: { type: 'string' },
    field: { type: 'string' },
  },
} as const;
const PROBLEMS = { 400: PROBLEM, 404: PROBLEM } as const;

const ID_PARAMS = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 2048 } },
} as const;
const TIME_QUERY = {
  type: 'object',
  properties: {
    time: { type: 'string', description: 'RFC 3339 instant in UTC to evaluate at (default: now)' },
  },
} as const;

const AUTHORIZATION_RESPONSE = {
  type: 'object',
  required: ['recognized', 'authorized', 'message', 'evaluated_at', 'response_time'],
  properties: {
    entity_id: { type: 'string' },
    authority_id: { type: 'string' },
    authorization_id: { type: 'string', description: '`action:resource`' },
    action: { type: 'string' },
    resource: { type: 'string' },
    jurisdiction: { type: 'string' },
    recognized: { type: 'boolean' },
    authorized: { type: 'boolean' },
    message: { type: 'string' },
    evaluated_at: { type: 'string', format: 'date-time' },
    response_time: { type: 'string', format: 'date-time' },
    expiry_time: { type: 'string', format: 'date-time' },
    code: { type: 'string', description: 'trustmesh: reason code when not authorized' },
    chain: { type: 'array', items: { type: 'string' } },
  },
} as const;

const RECOGNITION_RESPONSE = {
  type: 'object',
  required: ['recognized', 'message', 'evaluated_at', 'response_time'],
  properties: {
    entity_id: { type: 'string' },
    authority_id: { type: 'string' },
    name: { type: 'string' },
    jurisdiction: { type: 'string' },
    recognized: { type: 'boolean' },
    message: { type: 'string' },
    evaluated_at: { type: 'string', format: 'date-time' },
    response_time: { type: 'string', format: 'date-time' },
    expiry_time: { type: 'string', format: 'date-time' },
  },
} as const;

const UTC_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/** Registers the Ayra profile's read routes (see the module comment). */
export function registerAyraRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { registry, now } = ctx.modules;
  const networkId = registry.options.networkId;
  const routeConfig = { problemDetails: true } as const;
  const iso = (ms: number) => new Date(ms).toISOString();

  const governanceOrThrow = (): ParsedGovernance => {
    const governance = registry.governance();
    if (!governance) throw new ApiError(404, 'GOVERNANCE_UNKNOWN', 'no governance record is held yet');
    return governance;
  };
  const instant = (time: string | undefined): number => {
    if (time === undefined) return now();
    const ms = UTC_INSTANT.test(time) ? Date.parse(time) : Number.NaN;
    if (!Number.isFinite(ms)) {
      throw new ApiError(400, 'TRQP_TIME_INVALID', 'time: must be an RFC 3339 date-time in UTC', 'time');
    }
    return ms;
  };
  const requireEcosystem = (id: string) => {
    if (id !== networkId) {
      throw new ApiError(404, 'ECOSYSTEM_UNKNOWN', `${id} is not this network's ecosystem (${networkId})`, 'id');
    }
  };
  // The governance version in force at `time`: the newest whose validFrom is not after it.
  const governanceAt = (time: number): ParsedGovernance | null => {
    const latest = governanceOrThrow();
    for (let v = latest.record.version; v >= 1; v--) {
      const candidate = registry.governanceVersion(v);
      if (candidate && candidate.validFromMs <= time) return candidate.validUntilMs >= time ? candidate : null;
    }
    return null;
  };

  app.get(
    '/metadata',
    {
      config: routeConfig,
      schema: {
        tags: ['TRQP'],
        summary: 'Ayra TRQP profile: Trust Registry metadata',
        response: {
          200: {
            type: 'object',
            required: ['id', 'description', 'name', 'controllers'],
            properties: {
              id: { type: 'string' },
              defaultEGF_DID: { type: 'string' },
              name: { type: 'string' },
              description: { type: 'string' },
              controllers: { type: 'array', items: { type: 'string' }, minItems: 1 },
              governance_version: { type: 'integer' },
            },
          },
          ...PROBLEMS,
        },
      },
    },
    async () => {
      const governance = governanceOrThrow();
      const authorities = governance.record.authorities;
      return {
        id: networkId,
        defaultEGF_DID: networkId,
        name: `trustmesh ${networkId}`,
        description: `A replica of the ${networkId} trust network, governed by ${authorities.map((a) => a.name).join(', ')} (threshold ${governance.record.threshold}); answers come from this node's validated copy of the network's records.`,
        controllers: authorities.map((a) => a.id),
        governance_version: governance.record.version,
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/entities/:id',
    {
      config: routeConfig,
      schema: {
        tags: ['TRQP'],
        summary: 'Ayra TRQP profile: what the registry holds about an entity',
        params: ID_PARAMS,
        response: {
          200: {
            type: 'object',
            required: ['entity_id', 'ecosystem_id', 'authority', 'accreditations'],
            properties: {
              entity_id: { type: 'string' },
              ecosystem_id: { type: 'string' },
              name: { type: 'string' },
              authority: {
                anyOf: [
                  {
                    type: 'object',
                    properties: { name: { type: 'string' }, jurisdiction: { type: 'string' } },
                  },
                  { type: 'null' },
                ],
              },
              accreditations: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    id: { type: 'string' },
                    accreditor: { type: 'string' },
                    role: { type: 'string' },
                    accreditedFor: {
                      type: 'array',
                      items: {
                        type: 'object',
                        properties: {
                          types: { type: 'array', items: { type: 'string' } },
                          jurisdiction: { type: 'string' },
                        },
                      },
                    },
                    validFrom: { type: 'string' },
                    validUntil: { type: 'string' },
                  },
                },
              },
            },
          },
          ...PROBLEMS,
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const governance = governanceOrThrow();
      const authority = governance.record.authorities.find((a) => a.id === id);
      const accreditations = registry.accreditationsOf(id);
      if (!authority && accreditations.length === 0) {
        throw new ApiError(
          404,
          'ENTITY_UNKNOWN',
          `${id} is neither accredited in nor an authority of ${networkId}`,
          'id',
        );
      }
      return {
        entity_id: id,
        ecosystem_id: networkId,
        ...(authority ? { name: authority.name } : {}),
        authority: authority ? { name: authority.name, jurisdiction: authority.jurisdiction } : null,
        accreditations: accreditations.map((a) => ({
          id: a.id,
          accreditor: a.issuer,
          role: a.role,
          accreditedFor: a.accreditedFor.map((s) => ({ types: [...s.types], jurisdiction: s.jurisdiction })),
          validFrom: iso(a.validFromMs),
          validUntil: iso(a.validUntilMs),
        })),
      };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { time?: string } }>(
    '/entities/:id/authorizations',
    {
      config: routeConfig,
      schema: {
        tags: ['TRQP'],
        summary: 'Ayra TRQP profile: every authorization an entity holds, evaluated at `time`',
        params: ID_PARAMS,
        querystring: TIME_QUERY,
        response: { 200: { type: 'array', items: AUTHORIZATION_RESPONSE }, ...PROBLEMS },
      },
    },
    async (request) => {
      const { id } = request.params;
      const time = instant(request.query.time);
      governanceOrThrow();
      const accreditations = registry.accreditationsOf(id);
      if (accreditations.length === 0) {
        throw new ApiError(404, 'ENTITY_UNKNOWN', `${id} holds no accreditation in ${networkId}`, 'id');
      }
      const seen = new Set<string>();
      const answers: Record<string, unknown>[] = [];
      for (const accreditation of accreditations) {
        const action = accreditation.role === 'issuer' ? 'issue' : 'accredit';
        for (const scope of accreditation.accreditedFor) {
          for (const resource of scope.types) {
            const key = `${action} ${resource} ${scope.jurisdiction}`;
            if (seen.has(key)) continue;
            seen.add(key);
            const result = findChain(registry, {
              subject: id,
              role: accreditation.role,
              scope: { types: [resource], jurisdiction: scope.jurisdiction },
              at: [time],
            });
            answers.push({
              entity_id: id,
              authority_id: result.ok ? result.chain.authority : networkId,
              authorization_id: `${action}:${resource}`,
              action,
              resource,
              jurisdiction: scope.jurisdiction,
              recognized: true,
              authorized: result.ok,
              message: result.ok
                ? `${id} is authorized to ${action} ${resource} in ${scope.jurisdiction} under ${result.chain.authority}`
                : result.detail,
              evaluated_at: iso(time),
              response_time: iso(now()),
              ...(result.ok
                ? {
                    expiry_time: iso(Math.min(...result.chain.links.map((l) => l.validUntilMs))),
                    chain: result.chain.links.map((l) => l.id),
                  }
                : { code: result.code }),
            });
          }
        }
      }
      return answers;
    },
  );

  app.get<{ Params: { id: string } }>(
    '/ecosystems/:id',
    {
      config: routeConfig,
      schema: {
        tags: ['TRQP'],
        summary: 'Ayra TRQP profile: the ecosystem (this network) and its governance',
        params: ID_PARAMS,
        response: {
          200: {
            type: 'object',
            required: ['ecosystem_id', 'governance_version', 'threshold', 'authorities'],
            properties: {
              ecosystem_id: { type: 'string' },
              governance_version: { type: 'integer' },
              threshold: { type: 'integer' },
              valid_from: { type: 'string' },
              valid_until: { type: 'string' },
              authorities: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { id: { type: 'string' }, name: { type: 'string' }, jurisdiction: { type: 'string' } },
                },
              },
            },
          },
          ...PROBLEMS,
        },
      },
    },
    async (request) => {
      requireEcosystem(request.params.id);
      const governance = governanceOrThrow();
      return {
        ecosystem_id: networkId,
        governance_version: governance.record.version,
        threshold: governance.record.threshold,
        valid_from: iso(governance.validFromMs),
        valid_until: iso(governance.validUntilMs),
        authorities: governance.record.authorities.map((a) => ({
          id: a.id,
          name: a.name,
          jurisdiction: a.jurisdiction,
        })),
      };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { time?: string } }>(
    '/ecosystems/:id/recognitions',
    {
      config: routeConfig,
      schema: {
        tags: ['TRQP'],
        summary: 'Ayra TRQP profile: the authorities this ecosystem recognises at `time`',
        params: ID_PARAMS,
        querystring: TIME_QUERY,
        response: { 200: { type: 'array', items: RECOGNITION_RESPONSE }, ...PROBLEMS },
      },
    },
    async (request) => {
      requireEcosystem(request.params.id);
      const time = instant(request.query.time);
      const governance = governanceAt(time);
      if (!governance) {
        throw new ApiError(
          404,
          'GOVERNANCE_NOT_IN_FORCE',
          `no governance version of ${networkId} is in force at ${iso(time)}`,
          'time',
        );
      }
      return governance.record.authorities.map((a) => ({
        entity_id: a.id,
        authority_id: networkId,
        name: a.name,
        jurisdiction: a.jurisdiction,
        recognized: true,
        message: `${a.name} (${a.id}) is a governance authority of ${networkId} for ${a.jurisdiction} (governance version ${governance.record.version})`,
        evaluated_at: iso(time),
        response_time: iso(now()),
        expiry_time: iso(governance.validUntilMs),
      }));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/ecosystems/:id/lookups/authorizations',
    {
      config: routeConfig,
      schema: {
        tags: ['TRQP'],
        summary: 'Ayra TRQP profile: the authorizations (action:resource) in use in this ecosystem',
        params: ID_PARAMS,
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              required: ['id', 'name', 'description', 'controller'],
              properties: {
                id: { type: 'string' },
                name: { type: 'string' },
                description: { type: 'string' },
                controller: { type: 'string' },
                action: { type: 'string' },
                resource: { type: 'string' },
              },
            },
          },
          ...PROBLEMS,
        },
      },
    },
    async (request) => {
      requireEcosystem(request.params.id);
      governanceOrThrow();
      const found = new Map<string, { action: string; resource: string }>();
      for (const accreditation of registry.accreditations()) {
        const action = accreditation.role === 'issuer' ? 'issue' : 'accredit';
        for (const scope of accreditation.accreditedFor) {
          for (const resource of scope.types) found.set(`${action}:${resource}`, { action, resource });
        }
      }
      return [...found.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([id, { action, resource }]) => ({
          id,
          name: `${action} ${resource}`,
          description:
            action === 'issue'
              ? `May issue credentials of type ${resource}`
              : `May accredit issuers (or accreditors) of ${resource}`,
          controller: networkId,
          action,
          resource,
        }));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/ecosystems/:id/lookups/didMethods',
    {
      config: routeConfig,
      schema: {
        tags: ['TRQP'],
        summary: 'Ayra TRQP profile: the DID methods of the entities this ecosystem holds',
        params: ID_PARAMS,
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              properties: { identifier: { type: 'string' }, name: { type: 'string' }, entities: { type: 'integer' } },
            },
          },
          ...PROBLEMS,
        },
      },
    },
    async (request) => {
      requireEcosystem(request.params.id);
      const governance = governanceOrThrow();
      const entities = new Set<string>([
        ...governance.record.authorities.map((a) => a.id),
        ...registry.accreditations().map((a) => a.subject),
      ]);
      const counts = new Map<string, number>();
      for (const id of entities) {
        const method = /^did:([a-z0-9]+):/.exec(id)?.[1];
        if (method) counts.set(method, (counts.get(method) ?? 0) + 1);
      }
      return [...counts.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([method, count]) => ({ identifier: `did:${method}`, name: method, entities: count }));
    },
  );
}
