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
 *
 * What the binding fixes (approved/schema/trqp_authorization_request, trqp_recognition_response;
 * specification/v2/core/https_binding.md): the four PARC members are required, `context` is an
 * object of strings with `time` an RFC 3339 instant in UTC (`Z`); it may also come Base64-encoded
 * (standard or URL alphabet), as GET-style clients send it. Unknown `context` members, and unknown
 * top-level members, are ignored, never refused; the response echoes the context's string members.
 * 400 for a malformed request, 404 when the entity, the authority or the action is not one this
 * registry knows ("not recognized"), each as an RFC 7807 / 9457 Problem Details body. A known entity
 * that is not authorised gets 200 with `authorized: false` and a reason `code`.
 * The Ayra profile's read routes are in trqp-ayra.ts.
 */
import { findChain, jurisdictionWithin, type ParsedGovernance } from '@trustmesh/registry';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.ts';
import { ERROR_SCHEMA } from '../schemas.ts';
import type { RouteContext } from './route-context.ts';
import { registerAyraRoutes } from './trqp-ayra.ts';

interface TrqpBody {
  entity_id: string;
  authority_id: string;
  action: string;
  resource: string;
  /** An object, or the Base64 of its JSON (decoded by {@link readContext}). */
  context?: unknown;
}

/** The query's context, decoded and checked: what the answer used, and what it echoes. */
interface QueryContext {
  /** Evaluation instant (ms), from `time` or the node's clock. */
  time: number;
  /** `time` as supplied, when it was. */
  requested?: string;
  jurisdiction?: string;
  /** The context's string members, echoed in the response (unknown ones included, never acted on). */
  echo?: Record<string, string>;
}

// RFC 3339 date-time in UTC only, as the binding requires ("using only Z (+00:00) offset").
const UTC_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const MAX_CONTEXT_BYTES = 4096;

/**
 * Decodes and checks `context`: an object, or Base64 (standard or URL alphabet) of a JSON object.
 * @throws ApiError 400 `TRQP_CONTEXT_INVALID` (field `context`) or `TRQP_TIME_INVALID` (`context.time`).
 */
export function readContext(raw: unknown, now: () => number): QueryContext {
  if (raw === undefined || raw === null) return { time: now() };
  let value: unknown = raw;
  if (typeof raw === 'string') {
    if (raw.length > MAX_CONTEXT_BYTES || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(raw)) {
      throw new ApiError(
        400,
        'TRQP_CONTEXT_INVALID',
        'context: a string context must be Base64 of a JSON object',
        'context',
      );
    }
    try {
      value = JSON.parse(Buffer.from(raw.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
    } catch {
      throw new ApiError(400, 'TRQP_CONTEXT_INVALID', 'context: the Base64 does not decode to JSON', 'context');
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ApiError(400, 'TRQP_CONTEXT_INVALID', 'context: must be an object (or Base64 of one)', 'context');
  }
  const members = value as Record<string, unknown>;
  const echo: Record<string, string> = {};
  for (const [key, member] of Object.entries(members)) if (typeof member === 'string') echo[key] = member;
  const context: QueryContext = { time: now(), echo };
  if (members.time !== undefined) {
    const time = members.time;
    const ms = typeof time === 'string' && UTC_INSTANT.test(time) ? Date.parse(time) : Number.NaN;
    if (!Number.isFinite(ms)) {
      throw new ApiError(
        400,
        'TRQP_TIME_INVALID',
        'context.time: must be an RFC 3339 date-time in UTC, e.g. 2026-06-01T00:00:00Z',
        'context.time',
      );
    }
    context.time = ms;
    context.requested = time as string;
  }
  if (typeof members.jurisdiction === 'string') context.jurisdiction = members.jurisdiction;
  return context;
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
  description:
    'Query context: an object of strings (time: RFC 3339 in UTC; trustmesh: jurisdiction), or the Base64 of its JSON. Unknown members are ignored.',
  anyOf: [{ type: 'object' }, { type: 'string', maxLength: MAX_CONTEXT_BYTES }],
} as const;

const ECHOED_CONTEXT_SCHEMA = { type: 'object', additionalProperties: { type: 'string' } } as const;

function requestSchema(actions: string[], resourceDescription: string) {
  return {
    type: 'object',
    required: ['entity_id', 'authority_id', 'action', 'resource'],
    properties: {
      entity_id: { type: 'string', minLength: 1, maxLength: 2048, description: 'The Principal queried about' },
      authority_id: {
        type: 'string',
        minLength: 1,
        maxLength: 2048,
        description: "This network's id, or the DID of one of its governance authorities",
      },
      action: { type: 'string', minLength: 1, maxLength: 256, description: `One of: ${actions.join(', ')}` },
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
      context: ECHOED_CONTEXT_SCHEMA,
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
  const echo = (body: TrqpBody, context: QueryContext) => ({
    entity_id: body.entity_id,
    authority_id: body.authority_id,
    action: body.action,
    resource: body.resource,
    ...(context.requested ? { time_requested: context.requested } : {}),
    time_evaluated: new Date(context.time).toISOString(),
    ...(context.echo ? { context: context.echo } : {}),
  });
  // "404 Not Found — entity, authority, or assertion not recognized" (https_binding.md).
  const requireAction = (body: TrqpBody, actions: readonly string[]) => {
    if (!actions.includes(body.action)) {
      throw new ApiError(
        404,
        'ACTION_UNKNOWN',
        `action "${body.action}" is not one of ${actions.join(', ')}`,
        'action',
      );
    }
  };
  const knownEntity = (id: string): boolean => {
    if (registry.accreditationsOf(id).length > 0) return true;
    const latest = registry.governance();
    for (let v = latest?.record.version ?? 0; v >= 1; v--) {
      if (registry.governanceVersion(v)?.record.authorities.some((a) => a.id === id)) return true;
    }
    return false;
  };
  const requireEntity = (body: TrqpBody) => {
    if (!knownEntity(body.entity_id)) {
      throw new ApiError(
        404,
        'ENTITY_UNKNOWN',
        `${body.entity_id} is neither accredited in nor an authority of ${networkId}`,
        'entity_id',
      );
    }
  };

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
      const context = readContext(body.context, now);
      const governance = governanceOrThrow();
      requireAction(body, ['issue', 'accredit']);
      const anchor = body.authority_id === networkId ? null : body.authority_id;
      if (anchor !== null && !governance.record.authorities.some((a) => a.id === anchor)) {
        throw new ApiError(
          404,
          'AUTHORITY_UNKNOWN',
          `${anchor} is neither this network (${networkId}) nor one of its governance authorities`,
          'authority_id',
        );
      }
      requireEntity(body);
      const time = context.time;
      const role = body.action === 'issue' ? 'issuer' : 'accreditor';
      const jurisdictions = context.jurisdiction
        ? [context.jurisdiction]
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
          ...echo(body, context),
          authorized: true,
          message: `${body.entity_id} is authorized to ${body.action} ${body.resource} in ${jurisdiction} under ${result.chain.authority}`,
          governance_version: governance.record.version,
          chain: result.chain.links.map((l) => l.id),
        };
      }
      return {
        ...echo(body, context),
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
      const context = readContext(body.context, now);
      const latest = governanceOrThrow();
      requireAction(body, ['recognize']);
      const time = context.time;
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
      requireEntity(body);
      const answer = (recognized: boolean, message: string, code?: string) => ({
        ...echo(body, context),
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

  registerAyraRoutes(app, ctx);
}
