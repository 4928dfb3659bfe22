/**
 * ToIP Trust Registry Query Protocol v2 (TRQP), RESTful binding: `POST /authorization` and
 * `POST /recognition` with the PARC model (Principal = entity_id, Action, Resource, Context) and
 * snake_case members (https://github.com/trustoverip/tswg-trust-registry-protocol, specification/v2
 * core/api.md and core/schema/trqp_*_request|response.jsonschema). Errors are RFC 9457 Problem
 * Details, as the binding asks, carrying our `{ code, message, field }` as extension members.
 *
 * How trustmesh answers them from the replica:
 * - authorization — "is entity_id authorised for action on resource under authority_id?": action
 *   `issue` (role issuer) or `accredit` (role accreditor); resource is a credential type;
 *   authority_id is this network's id (any governance authority may anchor the chain) or one
 *   governance authority's DID (the chain must end at it); `context.jurisdiction` narrows the scope
 *   (otherwise every jurisdiction the entity holds that type in is tried); `context.time` picks the
 *   instant (default now). Answered with findChain, exactly as verification does.
 * - recognition — "is entity_id recognised by authority_id?": entity_id is an authority's DID,
 *   authority_id this network's id (or a fellow authority's DID), action `recognize`, and resource
 *   `governance-authority` (listed in the governance in force at context.time) or a jurisdiction code
 *   (listed, and governing that jurisdiction).
 */
import { findChain, jurisdictionWithin, type ParsedGovernance } from '@trustmesh/registry';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.ts';
import { ERROR_SCHEMA } from '../schemas.ts';
import type { RouteContext } from './route-context.ts';

interface TrqpBody {
  entity_id: string;
  authority_id: string;
  action: string;
  resource: string;
  context?: { time?: string; jurisdiction?: string } & Record<string, string>;
}

const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code', 'message'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    ...ERROR_SCHEMA.properties,
  },
} as const;

const CONTEXT_SCHEMA = {
  type: 'object',
  properties: {
    time: { type: 'string', format: 'date-time', description: 'RFC 3339 instant to evaluate at (default: now)' },
    jurisdiction: { type: 'string', description: 'trustmesh: jurisdiction of the scope (ISO 3166-1/-2 code)' },
  },
  additionalProperties: { type: 'string' },
} as const;

function requestSchema(actions: string[], resourceDescription: string) {
  return {
    type: 'object',
    required: ['entity_id', 'authority_id', 'action', 'resource'],
    additionalProperties: false,
    properties: {
      entity_id: { type: 'string', minLength: 1, maxLength: 2048, description: 'The Principal queried about' },
      authority_id: {
        type: 'string',
        minLength: 1,
        maxLength: 2048,
        description: "This network's id, or the DID of one of its governance authorities",
      },
      action: { type: 'string', enum: actions },
      resource: { type: 'string', minLength: 1, maxLength: 256, description: resourceDescription },
      context: CONTEXT_SCHEMA,
    },
  };
}

function responseSchema(answer: 'authorized' | 'recognized') {
  return {
    type: 'object',
    required: ['entity_id', 'authority_id', 'action', 'resource', answer, 'time_evaluated', 'message'],
    properties: {
      entity_id: { type: 'string' },
      authority_id: { type: 'string' },
      action: { type: 'string' },
      resource: { type: 'string' },
      [answer]: { type: 'boolean' },
      time_requested: { type: 'string', format: 'date-time' },
      time_evaluated: { type: 'string', format: 'date-time' },
      message: { type: 'string' },
      context: CONTEXT_SCHEMA,
      code: { type: 'string', description: 'trustmesh: reason code when the answer is false' },
      governance_version: { type: 'integer', description: 'trustmesh: governance version the answer used' },
      chain: {
        type: 'array',
        items: { type: 'string' },
        description: 'trustmesh: accreditation ids up to the authority',
      },
    },
  };
}

const PROBLEMS = { 400: PROBLEM_SCHEMA, 404: PROBLEM_SCHEMA, 413: PROBLEM_SCHEMA, 415: PROBLEM_SCHEMA };

/** Registers `POST /authorization` and `POST /recognition`. */
export function registerTrqpRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { registry, now } = ctx.modules;
  const networkId = registry.options.networkId;

  const governanceOrThrow = (): ParsedGovernance => {
    const governance = registry.governance();
    if (!governance) throw new ApiError(404, 'GOVERNANCE_UNKNOWN', 'no governance record is held yet');
    return governance;
  };
  const instant = (body: TrqpBody): number => (body.context?.time ? Date.parse(body.context.time) : now());
  const echo = (body: TrqpBody, time: number) => ({
    entity_id: body.entity_id,
    authority_id: body.authority_id,
    action: body.action,
    resource: body.resource,
    ...(body.context?.time ? { time_requested: body.context.time } : {}),
    time_evaluated: new Date(time).toISOString(),
    ...(body.context ? { context: body.context } : {}),
  });

  app.post<{ Body: TrqpBody }>(
    '/authorization',
    {
      config: { problemDetails: true },
      schema: {
        tags: ['TRQP'],
        summary: 'TRQP v2: is entity_id authorised for action+resource under authority_id?',
        body: requestSchema(['issue', 'accredit'], 'A credential type, e.g. HealthInsuranceCredential'),
        response: { 200: responseSchema('authorized'), ...PROBLEMS },
      },
    },
    async (request) => {
      const body = request.body;
      const governance = governanceOrThrow();
      const anchor = body.authority_id === networkId ? null : body.authority_id;
      if (anchor !== null && !governance.record.authorities.some((a) => a.id === anchor)) {
        throw new ApiError(
          404,
          'AUTHORITY_UNKNOWN',
          `${anchor} is neither this network (${networkId}) nor one of its governance authorities`,
          'authority_id',
        );
      }
      const time = instant(body);
      const role = body.action === 'issue' ? 'issuer' : 'accreditor';
      const jurisdictions = body.context?.jurisdiction
        ? [body.context.jurisdiction]
        : [
            ...new Set(
              registry
                .accreditationsOf(body.entity_id)
                .filter((a) => a.role === role)
                .flatMap((a) =>
                  a.accreditedFor.filter((s) => s.types.includes(body.resource)).map((s) => s.jurisdiction),
                ),
            ),
          ];
      let failure = {
        code: 'ISSUER_NOT_ACCREDITED',
        detail: `${body.entity_id} holds no ${role} accreditation for ${body.resource}`,
      };
      for (const jurisdiction of jurisdictions) {
        const result = findChain(registry, {
          subject: body.entity_id,
          role,
          scope: { types: [body.resource], jurisdiction },
          at: [time],
        });
        if (!result.ok) {
          failure = { code: result.code, detail: result.detail };
          continue;
        }
        if (anchor !== null && result.chain.authority !== anchor) {
          failure = {
            code: 'AUTHORITY_MISMATCH',
            detail: `the chain in ${jurisdiction} ends at ${result.chain.authority}, not at ${anchor}`,
          };
          continue;
        }
        return {
          ...echo(body, time),
          authorized: true,
          message: `${body.entity_id} is authorized to ${body.action} ${body.resource} in ${jurisdiction} under ${result.chain.authority}`,
          governance_version: governance.record.version,
          chain: result.chain.links.map((l) => l.id),
        };
      }
      return {
        ...echo(body, time),
        authorized: false,
        message: failure.detail,
        code: failure.code,
        governance_version: governance.record.version,
      };
    },
  );

  app.post<{ Body: TrqpBody }>(
    '/recognition',
    {
      config: { problemDetails: true },
      schema: {
        tags: ['TRQP'],
        summary: "TRQP v2: is entity_id recognised by authority_id (this network's governance)?",
        body: requestSchema(['recognize'], '"governance-authority", or a jurisdiction code the entity must govern'),
        response: { 200: responseSchema('recognized'), ...PROBLEMS },
      },
    },
    async (request) => {
      const body = request.body;
      const latest = governanceOrThrow();
      const time = instant(body);
      // The version in force at `time`: the newest whose validFrom is not after it.
      let governance: ParsedGovernance | null = null;
      for (let v = latest.record.version; v >= 1 && governance === null; v--) {
        const candidate = registry.governanceVersion(v);
        if (candidate && candidate.validFromMs <= time) governance = candidate;
      }
      const recogniser = body.authority_id;
      const recogniserKnown =
        recogniser === networkId || (governance ?? latest).record.authorities.some((a) => a.id === recogniser);
      if (!recogniserKnown) {
        throw new ApiError(
          404,
          'AUTHORITY_UNKNOWN',
          `${recogniser} is neither this network (${networkId}) nor one of its governance authorities`,
          'authority_id',
        );
      }
      const answer = (recognized: boolean, message: string, code?: string) => ({
        ...echo(body, time),
        recognized,
        message,
        ...(code ? { code } : {}),
        ...(governance ? { governance_version: governance.record.version } : {}),
      });
      if (!governance || governance.validUntilMs < time) {
        return answer(
          false,
          `no governance version of ${networkId} is in force at ${new Date(time).toISOString()}`,
          'GOVERNANCE_NOT_IN_FORCE',
        );
      }
      const authority = governance.record.authorities.find((a) => a.id === body.entity_id);
      if (!authority) {
        return answer(
          false,
          `${body.entity_id} is not a governance authority of ${networkId}`,
          'AUTHORITY_NOT_RECOGNIZED',
        );
      }
      if (body.resource !== 'governance-authority' && !jurisdictionWithin(body.resource, authority.jurisdiction)) {
        return answer(
          false,
          `${body.entity_id} governs ${authority.jurisdiction}, not ${body.resource}`,
          'JURISDICTION_NOT_RECOGNIZED',
        );
      }
      return answer(
        true,
        `${authority.name} (${authority.id}) is a governance authority of ${networkId} for ${authority.jurisdiction} (governance version ${governance.record.version})`,
      );
    },
  );
}
