import { randomUUID } from 'node:crypto';
import { staticCatalog } from '../../common/rules';
import { connectDevServer, uniqueTaskQueue, type DevServerHarness } from '../harness/temporal';
import { deliver, fixtureText, fixtures, request, startTestIntake, type TestIntake } from '../harness/intake';
import { seededRandom } from '../../scripts/chaos/random';

/**
 * Thousands of random and mutated deliveries: the intake never answers 5xx, never crashes, answers every refusal with
 * a JSON error, and starts a workflow only for a delivery it acknowledges. Among them, ids and rule names holding lone
 * UTF-16 surrogates or far longer than a workflow id may be. Seeded, so a failure can be replayed.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20261102);
const RUNS = 2500;

/** The crash-loop benchmark's seedable PRNG, with the picks the fuzzer needs. */
function prng(seed: number) {
  const { next } = seededRandom(seed);
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  return { next, int, pick };
}

type Random = ReturnType<typeof prng>;
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const nastyStrings = [
  '',
  ' ',
  '__proto__',
  'constructor',
  'prototype',
  '\u0000',
  '\ud800',
  '🙂'.repeat(50),
  '%s%n',
  "'; DROP TABLE x;--",
  '../../etc/passwd',
  'x'.repeat(5000),
  '1e309',
  '-0',
  'NaN',
  '2026-13-45T99:99:99Z',
  '0x1F',
  '\\u0000',
];

function randomScalar(r: Random): Json {
  switch (r.int(7)) {
    case 0:
      return null;
    case 1:
      return r.next() < 0.5;
    case 2:
      return r.pick([0, -1, 1.5, 1e21, -1e21, Number.MAX_SAFE_INTEGER, 1793629325000, 2004, 99]);
    case 3:
      return r.pick(nastyStrings);
    case 4:
      return String.fromCharCode(...Array.from({ length: r.int(30) }, () => r.int(0xffff)));
    case 5:
      return r.pick(['203.0.113.45', 'jdoe@example.com', 'Create', 'Update', 'high', 'resolved']);
    default:
      return r.int(1000);
  }
}

function randomValue(r: Random, depth = 0): Json {
  if (depth > 4 || r.next() < 0.5) return randomScalar(r);
  if (r.next() < 0.5) return Array.from({ length: r.int(4) }, () => randomValue(r, depth + 1));
  return Object.fromEntries(
    Array.from({ length: r.int(4) }, () => [
      r.pick(['a', 'kibana.alert.uuid', 'result', 'object', '__proto__', 'time', String(r.int(99))]),
      randomValue(r, depth + 1),
    ]),
  );
}

/** Changes one place in `value`: deletes it, replaces it, or wraps it. */
function mutate(r: Random, value: Json, depth = 0): Json {
  if (value === null || typeof value !== 'object' || depth > 6 || r.next() < 0.2) {
    return r.pick([() => randomValue(r), () => [value], () => undefined as unknown as Json, () => randomScalar(r)])();
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return [randomValue(r)];
    const copy = [...value];
    const i = r.int(copy.length);
    copy[i] = mutate(r, copy[i]!, depth + 1);
    if (r.next() < 0.1) copy.push(...copy); // duplicates within one delivery
    return copy;
  }
  const keys = Object.keys(value);
  if (keys.length === 0) return { [r.pick(['x', '__proto__'])]: randomValue(r) };
  const key = r.pick(keys);
  const copy = { ...value };
  const changed = mutate(r, copy[key]!, depth + 1);
  if (changed === undefined) delete copy[key];
  else copy[key] = changed;
  return copy;
}

const pushSources = ['splunk', 'elastic', 'sentinel', 'ocsf', 'generic'] as const;
const samples: Record<(typeof pushSources)[number], string[]> = {
  splunk: [fixtureText(fixtures.splunk), fixtureText(fixtures.splunkSecondRow)],
  elastic: [fixtureText(fixtures.elastic)],
  sentinel: [fixtureText(fixtures.sentinel)],
  ocsf: [fixtureText(fixtures.ocsf)],
  generic: [
    JSON.stringify({
      sourceAlertId: 'fuzz-1',
      ruleId: 'fuzz',
      ruleName: 'Fuzz',
      severity: 'low',
      detectedAt: '2026-11-02T14:00:00Z',
      title: 'Fuzz',
      entities: { sourceIp: '203.0.113.1' },
    }),
  ],
};

/** Where each source keeps the alert's identity and rule. */
const fieldPaths: Record<(typeof pushSources)[number], (string | number)[][]> = {
  splunk: [['sid'], ['search_name'], ['result', 'event_id'], ['result', 'search_name']],
  elastic: [
    ['alerts', 0, 'kibana.alert.uuid'],
    ['alerts', 0, 'kibana.alert.rule.rule_id'],
  ],
  sentinel: [
    ['object', 'name'],
    ['object', 'properties', 'title'],
  ],
  ocsf: [
    ['finding_info', 'uid'],
    ['finding_info', 'analytic', 'uid'],
  ],
  generic: [['sourceAlertId'], ['ruleId'], ['title']],
};

const identityAbuse: ((r: Random) => string)[] = [
  (r) => `id-${r.int(1e6)}\ud800`,
  (r) => `\udc00${r.int(1e6)}`,
  (r) => `${'🙂'.repeat(200 + r.int(400))}\ud83d`,
  (r) => `${r.int(1e6)}-${'é'.repeat(300 + r.int(1000))}`,
  (r) => `${r.int(1e6)}:${'%/?#'.repeat(100 + r.int(400))}`,
  (r) => `${r.int(1e6)}-${'x'.repeat(1000 + r.int(3000))}`,
];

function setPath(target: Json, path: (string | number)[], value: Json): void {
  let at = target as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) {
    if (at[key] === null || typeof at[key] !== 'object') return;
    at = at[key] as Record<string | number, Json>;
  }
  at[path[path.length - 1]!] = value;
}

interface Case {
  source: string;
  body: string | Buffer;
  contentType: string | null;
  what: string;
}

function fuzzCase(r: Random): Case {
  const source = r.next() < 0.02 ? r.pick(['qradar', 'SPLUNK', '..', '%00']) : r.pick(pushSources);
  const sample = r.pick(samples[source as keyof typeof samples] ?? samples.generic);
  const contentType =
    r.next() < 0.9
      ? 'application/json'
      : r.pick(['application/x-ndjson', 'text/plain', 'application/xml', 'multipart/form-data', null]);
  switch (r.int(10)) {
    case 0:
      return {
        source,
        contentType,
        what: 'random bytes',
        body: Buffer.from(Array.from({ length: r.int(2000) }, () => r.int(256))),
      };
    case 1:
    case 6:
      return { source, contentType, what: 'truncated', body: sample.slice(0, r.int(sample.length)) };
    case 2:
      return { source, contentType, what: 'random JSON', body: JSON.stringify(randomValue(r)) ?? 'null' };
    case 3:
      return {
        source,
        contentType,
        what: 'prototype pollution',
        body: JSON.stringify({
          ...JSON.parse(sample),
          __proto__: { polluted: 1 },
          'constructor.prototype.polluted': 1,
          '__proto__.polluted': 1,
        }),
      };
    case 4: {
      const lines = [sample.replace(/\n/g, ''), JSON.stringify(randomValue(r)), '{', 'null'];
      return {
        source,
        contentType: 'application/x-ndjson',
        what: 'NDJSON with bad lines',
        body: Array.from({ length: 1 + r.int(4) }, () => r.pick(lines)).join('\n'),
      };
    }
    case 5:
      return {
        source,
        contentType,
        what: 'array of random values',
        body: JSON.stringify(Array.from({ length: r.int(120) }, () => randomValue(r))),
      };
    case 7: {
      // The identity and rule fields of each source with text that is not Unicode, or ids far over Temporal's limit.
      const value = JSON.parse(sample) as Json;
      const paths = fieldPaths[source as keyof typeof fieldPaths] ?? fieldPaths.generic;
      for (const path of paths) if (r.next() < 0.7) setPath(value, path, r.pick(identityAbuse)(r));
      return { source, contentType, what: 'ids and names of any length and content', body: JSON.stringify(value) };
    }
    default: {
      // Most mutated fixtures are refused; the ones still valid reach Temporal (as new alerts or duplicates).
      let value = JSON.parse(sample) as Json;
      for (let n = 2 + r.int(3); n > 0; n--) value = mutate(r, value);
      return { source, contentType, what: 'mutated fixture', body: JSON.stringify(value) ?? '' };
    }
  }
}

let temporal: DevServerHarness;
let intake: TestIntake;

beforeAll(async () => {
  temporal = await connectDevServer();
  intake = await startTestIntake({
    client: temporal.client,
    taskQueue: uniqueTaskQueue('intake-fuzz'),
    rules: staticCatalog({}),
  });
});
afterAll(async () => {
  await intake?.close();
  await temporal?.teardown();
});

/** Runs `work` for 0..count-1 with at most `parallel` at a time. */
async function inParallel(count: number, parallel: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

test(`${RUNS} random and mutated deliveries: no 5xx, a JSON answer each, workflows only for acknowledged alerts`, async () => {
  const r = prng(SEED);
  const cases = Array.from({ length: RUNS }, () => fuzzCase(r));
  const starts = jest.spyOn(temporal.client.workflow, 'start');
  const statuses = new Map<number, number>();
  const acknowledged = new Map<string, Set<string>>();
  const refused = new Set<string>();
  const prefix = `fuzz-${randomUUID().slice(0, 8)}`;

  // Each delivery names its own sending instance, which is part of every workflow id it can cause: a start is
  // traced to the delivery that caused it even with several deliveries in flight.
  await inParallel(RUNS, 6, async (run) => {
    const c = cases[run]!;
    const instance = `${prefix}-${run}`;
    const answer = await deliver(intake, encodeURIComponent(c.source), {
      body: c.body,
      contentType: c.contentType,
      query: `instance=${instance}`,
    });
    statuses.set(answer.statusCode, (statuses.get(answer.statusCode) ?? 0) + 1);
    const context = `run ${run} (${c.what}, ${c.source}, seed ${SEED}) answered ${answer.statusCode}: ${answer.text.slice(0, 300)}`;
    if (answer.statusCode >= 500) throw new Error(context);
    let body: ReturnType<typeof answer.json>;
    try {
      body = answer.json();
    } catch {
      throw new Error(`not JSON: ${context}`);
    }
    if (!body.results) {
      // A refusal of the whole delivery names its reason.
      expect({ context, status: answer.statusCode >= 400, error: typeof body.error }).toEqual({
        context,
        status: true,
        error: 'string',
      });
      refused.add(instance);
    } else {
      const ok = body.results
        .filter((x) => ['started', 'duplicate', 'related'].includes(x.outcome))
        .map((x) => x.workflowId!);
      acknowledged.set(instance, new Set(ok));
    }
  });

  // Every workflow start was made for an alert its delivery acknowledged; refused deliveries started nothing.
  const strays = starts.mock.calls
    .map((call) => (call[1] as { workflowId: string }).workflowId)
    .filter((workflowId) => {
      const instance = [...acknowledged.keys(), ...refused].find((i) =>
        workflowId.includes(`:${encodeURIComponent(i)}:`),
      );
      return !instance || !acknowledged.get(instance)?.has(workflowId);
    });
  expect(strays).toEqual([]);

  expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  expect((await request(intake, '/healthz')).statusCode).toBe(200);
  // Every acknowledged alert has its workflow.
  const started = [...acknowledged.values()].flatMap((ids) => [...ids]);
  for (const workflowId of started.slice(0, 50)) {
    await expect(temporal.client.workflow.getHandle(workflowId).describe()).resolves.toMatchObject({ workflowId });
  }
  console.log(
    `fuzz seed ${SEED}: ${[...statuses]
      .sort()
      .map(([status, n]) => `${status}×${n}`)
      .join(', ')}; ${started.length} alerts acknowledged`,
  );
  expect([...statuses.keys()].every((status) => status < 500)).toBe(true);
  expect(statuses.get(400)).toBeGreaterThan(100);
  expect(statuses.get(422)).toBeGreaterThan(100);
  expect(started.length).toBeGreaterThan(10);
});
