/**
 * W3C VC-API presentation verification (`POST /presentations/verify`,
 * https://w3c-ccg.github.io/vc-api/#verify-presentation): the presentation's Data Integrity proof —
 * an `authentication` proof by the holder with the verifier's `challenge` and `domain` — and every
 * embedded credential, each verified as `/credentials/verify` does (the same `options.checks`).
 *
 * As VC-API specifies for this route, 200 means the verification ran, whatever its verdict; 400 is a
 * request that cannot be verified (not a presentation, an unknown check). The presentation is never
 * stored nor logged (`sensitiveBody`).
 */
import { type CheckResult, verifyPresentation } from '@trustmesh/registry';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.ts';
import { AS_OF_SCHEMA, errorResponses, JSON_OBJECT_SCHEMA } from '../schemas.ts';
import type { RouteContext } from './route-context.ts';
import {
  CHECKS_OPTION_SCHEMA,
  countVerification,
  errorsOf,
  selectedChecks,
  VERIFICATION_ERROR_SCHEMA,
} from './vc-api-verification.ts';

interface VerifyPresentationBody {
  verifiablePresentation?: Record<string, unknown>;
  /** VC-API ProoflessVerifyPresentationRequest: a presentation without proof. */
  presentation?: Record<string, unknown>;
  options?: { challenge?: string; domain?: string; checks?: string[] } & Record<string, unknown>;
}

const PRESENTATION_CHECK_SCHEMA = {
  type: 'object',
  required: ['check', 'outcome', 'message'],
  properties: {
    check: { type: 'string' },
    outcome: { type: 'string', enum: ['pass', 'fail', 'undetermined'] },
    code: { type: 'string' },
    message: { type: 'string' },
    details: JSON_OBJECT_SCHEMA,
  },
} as const;

const PRESENTATION_DOCUMENT_SCHEMA = { type: 'object', required: ['@context'], additionalProperties: true } as const;

const PRESENTATION_RESULT_SCHEMA = {
  type: 'object',
  required: ['verified', 'checks', 'warnings', 'errors', 'presentationResults', 'credentialResults', 'asOf'],
  properties: {
    verified: { type: 'boolean', description: 'The presentation and every credential in it verified' },
    checks: { type: 'array', items: { type: 'string' }, description: 'The checks that ran' },
    warnings: { type: 'array', items: { type: 'string' } },
    errors: {
      type: 'array',
      description: 'Every check that did not pass; `credential` is the index of the credential it concerns',
      items: {
        ...VERIFICATION_ERROR_SCHEMA,
        properties: { ...VERIFICATION_ERROR_SCHEMA.properties, credential: { type: 'integer' } },
      },
    },
    presentationResults: { type: 'array', items: PRESENTATION_CHECK_SCHEMA },
    credentialResults: {
      type: 'array',
      items: {
        type: 'object',
        required: ['verified', 'errors', 'checkResults'],
        properties: {
          verified: { type: 'boolean' },
          errors: { type: 'array', items: VERIFICATION_ERROR_SCHEMA },
          checkResults: { type: 'array', items: PRESENTATION_CHECK_SCHEMA },
        },
      },
    },
    asOf: AS_OF_SCHEMA,
  },
} as const;

/** Registers `POST /presentations/verify`. */
export function registerPresentationRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { registry, now } = ctx.modules;

  app.post<{ Body: VerifyPresentationBody }>(
    '/presentations/verify',
    {
      config: { sensitiveBody: true },
      schema: {
        tags: ['VC-API'],
        summary: 'Verify a presentation and every credential in it against this node’s replica',
        description:
          'Checks the presentation proof (authentication by the holder; options.challenge and options.domain must match) and each embedded credential with the checks of options.checks (default all). 200 whatever the verdict, as VC-API specifies; 400 for a request that is not a presentation. Neither stored nor logged.',
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            verifiablePresentation: PRESENTATION_DOCUMENT_SCHEMA,
            presentation: PRESENTATION_DOCUMENT_SCHEMA,
            options: {
              type: 'object',
              additionalProperties: true,
              properties: {
                challenge: { type: 'string', minLength: 1, maxLength: 1024 },
                domain: { type: 'string', minLength: 1, maxLength: 1024 },
                checks: CHECKS_OPTION_SCHEMA,
              },
            },
          },
        },
        response: { 200: PRESENTATION_RESULT_SCHEMA, ...errorResponses(400, 413, 415) },
      },
    },
    async (request) => {
      const { verifiablePresentation, presentation, options = {} } = request.body;
      if ((verifiablePresentation === undefined) === (presentation === undefined)) {
        throw new ApiError(
          400,
          'REQUEST_INVALID',
          'give exactly one of verifiablePresentation (with a proof) or presentation (without)',
          'verifiablePresentation',
        );
      }
      const { checks, names } = selectedChecks(options.checks);
      const result = await verifyPresentation(verifiablePresentation ?? presentation, {
        view: registry,
        documentLoader: registry.documentLoader,
        now: now(),
        checks,
        ...(options.challenge !== undefined ? { challenge: options.challenge } : {}),
        ...(options.domain !== undefined ? { domain: options.domain } : {}),
        unsigned: presentation !== undefined,
      });
      const all: CheckResult[] = [...result.checks, ...result.credentials.flatMap((c) => c.checks)];
      countVerification(ctx, result.verified, all);
      const ignored = Object.keys(options)
        .filter((name) => !['challenge', 'domain', 'checks'].includes(name))
        .map((name) => `option ${name} is not supported and was ignored`);
      return {
        verified: result.verified,
        checks: [...new Set([...(presentation === undefined ? ['proof'] : []), ...names])],
        warnings: [...result.warnings, ...ignored],
        errors: [
          ...errorsOf(result.checks),
          ...result.credentials.flatMap((c, i) => errorsOf(c.checks).map((e) => ({ ...e, credential: i }))),
        ],
        presentationResults: result.checks,
        credentialResults: result.credentials.map((c) => ({
          verified: c.verified,
          errors: errorsOf(c.checks),
          checkResults: c.checks,
        })),
        asOf: result.asOf,
      };
    },
  );
}
