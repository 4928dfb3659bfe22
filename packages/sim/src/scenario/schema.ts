/**
 * The JSON Schema (draft 2020-12 subset, as Ajv checks it) of a scenario file. Every field a
 * researcher writes is described here with its unit; the TypeScript shape is in scenario.ts.
 */

const SECONDS = { type: 'number', minimum: 0, description: 'seconds since the start of the measured run' } as const;

/** Which nodes an action applies to; all given properties must hold (an intersection). */
const SELECTOR = {
  type: 'object',
  additionalProperties: false,
  description:
    'Which honest nodes: every given property must hold; fraction/count pick at random (seeded) among the rest.',
  properties: {
    ids: { type: 'array', items: { type: 'integer', minimum: 0 }, minItems: 1, description: 'node indices' },
    region: { type: 'string', minLength: 1 },
    role: { enum: ['agency', 'issuer-host', 'verifier', 'relay'] },
    exclude: { type: 'array', items: { type: 'integer', minimum: 0 } },
    fraction: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
    count: { type: 'integer', minimum: 1 },
  },
} as const;

const action = (name: string, properties: Record<string, unknown>, required: string[] = []) => ({
  type: 'object',
  additionalProperties: false,
  required: ['at', 'action', ...required],
  properties: { at: SECONDS, action: { const: name }, note: { type: 'string' }, ...properties },
});

const LINK_CONDITIONS = {
  latencyMs: { type: 'number', minimum: 0, description: 'one-way delay per direction, ms' },
  jitterMs: { type: 'number', minimum: 0, description: 'uniform extra delay in [0, jitterMs), ms' },
  loss: {
    type: 'number',
    minimum: 0,
    maximum: 0.5,
    description: 'probability that a write is lost and retransmitted after an RTO (TCP semantics)',
  },
} as const;

/** The scenario schema. */
export const SCENARIO_SCHEMA = {
  $id: 'https://trustmesh.example/schemas/scenario.json',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'seed', 'duration', 'nodes', 'topology', 'workload'],
  properties: {
    $schema: { type: 'string' },
    name: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$', maxLength: 64 },
    description: { type: 'string' },
    seed: { type: 'integer', minimum: 0, maximum: 4294967295 },
    seeds: {
      type: 'integer',
      minimum: 1,
      maximum: 1000,
      description:
        'fewest seeds simulate-all runs (seed, seed + 1, …): a fault whose outcome varies by seed needs many',
    },
    duration: { type: 'number', exclusiveMinimum: 0, maximum: 86400, description: 'seconds of measured run' },
    drain: { type: 'number', minimum: 0, maximum: 3600, description: 'seconds after the run without new workload' },
    warmup: { type: 'number', minimum: 0, maximum: 600, description: 'seconds to let the mesh form before t = 0' },
    nodes: {
      type: 'object',
      additionalProperties: false,
      required: ['count'],
      properties: {
        count: { type: 'integer', minimum: 2, maximum: 2000 },
        store: { enum: ['memory', 'level'] },
        roles: {
          type: 'object',
          additionalProperties: false,
          description: 'how many nodes take each role (the rest relay)',
          properties: {
            agency: { type: 'integer', minimum: 1 },
            'issuer-host': { type: 'integer', minimum: 0 },
            verifier: { type: 'integer', minimum: 0 },
          },
        },
        joiners: {
          type: 'integer',
          minimum: 0,
          description: 'the last N nodes are not started at warm-up; a join action starts them empty',
        },
        options: {
          type: 'object',
          additionalProperties: false,
          description: 'node settings (production defaults when absent)',
          properties: {
            syncIntervalMs: { type: 'integer', minimum: 0 },
            syncOnConnect: { type: 'boolean' },
            peerKeeperIntervalMs: { type: 'integer', minimum: 100 },
            peerKeeperMinConnections: { type: 'integer', minimum: 0 },
            maxConnections: { type: 'integer', minimum: 2 },
            maxClockSkewMs: { type: 'integer', minimum: 0 },
          },
        },
      },
    },
    topology: {
      type: 'object',
      required: ['kind'],
      discriminator: { propertyName: 'kind' },
      oneOf: [
        {
          type: 'object',
          additionalProperties: false,
          required: ['kind', 'degree'],
          properties: { kind: { const: 'random-regular' }, degree: { type: 'integer', minimum: 1 } },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['kind', 'm'],
          properties: {
            kind: { const: 'scale-free' },
            m: { type: 'integer', minimum: 1, description: 'Barabási–Albert: links per new node' },
          },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['kind', 'regions', 'latencyMs'],
          properties: {
            kind: { const: 'regions' },
            regions: {
              type: 'array',
              minItems: 1,
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['name', 'share'],
                properties: {
                  name: { type: 'string', minLength: 1 },
                  share: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
                },
              },
            },
            latencyMs: {
              type: 'array',
              description: 'one-way latency matrix between regions (row = from, column = to), ms',
              items: { type: 'array', items: { type: 'number', minimum: 0 } },
            },
            jitterMs: { type: 'number', minimum: 0 },
            degree: { type: 'integer', minimum: 1, description: 'links per node inside its region' },
            interRegionLinks: { type: 'integer', minimum: 0, description: 'links per node to other regions' },
          },
        },
      ],
    },
    workload: {
      type: 'object',
      additionalProperties: false,
      required: ['issuers'],
      properties: {
        issuers: { type: 'integer', minimum: 1, maximum: 1000 },
        credentialsPerIssuer: { type: 'integer', minimum: 1, maximum: 131072 },
        revocationsPerSecond: { type: 'number', minimum: 0 },
        verificationsPerSecond: { type: 'number', minimum: 0, description: 'per verifier node' },
        revokedShare: {
          type: 'number',
          minimum: 0,
          maximum: 1,
          description: 'share of verifications of a credential already revoked (the stale-answer probe)',
        },
        verification: { enum: ['full', 'status'], description: 'full VC verification or the status check only' },
        preloadLists: {
          type: 'integer',
          minimum: 0,
          maximum: 100000,
          description: 'extra signed status lists every initial node holds (cold-join)',
        },
        stopAt: { type: 'number', minimum: 0, description: 'seconds; no new workload after this' },
      },
    },
    timeline: {
      type: 'array',
      items: {
        type: 'object',
        required: ['at', 'action'],
        discriminator: { propertyName: 'action' },
        oneOf: [
          action('partition', { groups: { type: 'array', minItems: 1, items: SELECTOR }, until: SECONDS }, ['groups']),
          action('heal', {}),
          action(
            'link',
            {
              nodes: SELECTOR,
              between: { type: 'array', minItems: 2, maxItems: 2, items: SELECTOR },
              ...LINK_CONDITIONS,
              until: SECONDS,
            },
            [],
          ),
          action('link-reset', {}),
          action(
            'crash',
            {
              nodes: SELECTOR,
              mode: { enum: ['abrupt', 'graceful'] },
              restartAfter: { type: 'number', minimum: 0, description: 'seconds' },
            },
            ['nodes'],
          ),
          action('restart', { nodes: SELECTOR }, ['nodes']),
          action(
            'churn',
            {
              nodes: SELECTOR,
              meanUpSeconds: { type: 'number', exclusiveMinimum: 0 },
              meanDownSeconds: { type: 'number', exclusiveMinimum: 0 },
              mode: { enum: ['abrupt', 'graceful'] },
              until: SECONDS,
            },
            ['nodes', 'meanUpSeconds', 'meanDownSeconds', 'until'],
          ),
          action('clock-skew', { nodes: SELECTOR, offsetMs: { type: 'number' } }, ['nodes', 'offsetMs']),
          action(
            'agency-offline',
            {
              agency: { type: 'integer', minimum: 0, description: 'index among agency nodes' },
              mode: { enum: ['down', 'silent'] },
              via: SELECTOR,
              until: SECONDS,
            },
            ['agency'],
          ),
          action(
            'byzantine',
            {
              behaviour: { enum: ['forged', 'rollback', 'equivocate', 'flood'] },
              peers: { type: 'integer', minimum: 1, maximum: 100 },
              connect: SELECTOR,
              ratePerSecond: { type: 'number', exclusiveMinimum: 0 },
              until: SECONDS,
            },
            ['behaviour'],
          ),
          action('join', { count: { type: 'integer', minimum: 1 } }, []),
        ],
      },
    },
    windows: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'from', 'to'],
        properties: { name: { type: 'string', pattern: '^[a-zA-Z][a-zA-Z0-9_-]*$' }, from: SECONDS, to: SECONDS },
      },
    },
    assertions: {
      type: 'array',
      items: {
        type: 'string',
        pattern: '^\\s*[A-Za-z][A-Za-z0-9_.-]*\\s*(<=|>=|==|<|>)\\s*-?[0-9]+(\\.[0-9]+)?\\s*$',
        description: '"<metric path> <op> <number>", e.g. "propagation.p99 <= 2000"',
      },
    },
    sweep: {
      type: 'object',
      additionalProperties: false,
      required: ['path', 'values'],
      description: 'run the scenario once per value of a numeric field (dotted path, e.g. timeline.0.until)',
      properties: {
        path: { type: 'string', minLength: 1 },
        values: { type: 'array', minItems: 1, items: { type: 'number' } },
      },
    },
  },
} as const;
