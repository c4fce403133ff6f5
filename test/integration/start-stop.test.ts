import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isAlive, localProcesses, type LocalProcess } from '../../client/process/local-processes';
import { projectRoot, resolveDevServer, temporalDir } from '../../scripts/servers';

/**
 * The entry points as a person runs them: `npm start` stops with `kill <npm pid>` leaving no process and no port
 * behind, a later start takes over the dev server a crashed one left, and a busy port stops start-up with one line
 * that names the port, the process holding it and the variable to change.
 */

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * Without a tenant, Teams or a cluster: the demo, as on a fresh machine. Its own demo key too, not the suite's ephemeral
 * one: these starts write to the project's data, which a later `npm start` must be able to read.
 */
function productEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, SOC_INTAKE_DEFENDER_POLL_INTERVAL_SECONDS: '0', ...extra };
  for (const name of Object.keys(env))
    if (/^(TEMPORAL_ADDRESS|GRAPH_|DEFENDER_|TEAMS_|SOC_DEMO_TEAMS|SOC_CODEC_|NODE_EXTRA_CA_CERTS)/.test(name))
      delete env[name];
  return env;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Started {
  const child = spawn(command, args, { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 180_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !condition();) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every process below `pid`. */
function descendants(pid: number): LocalProcess[] {
  const all = localProcesses();
  const found: LocalProcess[] = [];
  for (let parents = new Set([pid]); parents.size;) {
    const children = all.filter((p) => parents.has(p.parentPid));
    found.push(...children);
    parents = new Set(children.map((p) => p.pid));
  }
  return found;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host: '127.0.0.1', port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

async function waitForPortsFree(ports: number[]): Promise<void> {
  for (const port of ports) {
    for (const deadline = Date.now() + 30_000; !(await portIsFree(port));) {
      if (Date.now() > deadline) throw new Error(`port ${port} is still in use`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** A dev server port whose Web UI port (+1000) is free too. */
/**
 * A free port below the kernel's ephemeral range (32768 and up here), so no outgoing connection of a test running
 * alongside, nor a listener on port 0, can take it between this choice and npm start binding it.
 */
async function quietPort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    if (await portIsFree(port)) return port;
  }
}

/** The dev server's port, with its Web UI's (+1000) and the demo codec server's (+1001) free too. */
async function devServerPort(): Promise<number> {
  for (;;) {
    const port = await quietPort();
    if ((await portIsFree(port + 1000)) && (await portIsFree(port + 1001))) return port;
  }
}

async function occupy(port: number): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

const READY = /Stop with Ctrl-C\./;
const started: Started[] = [];
// A test that failed half-way leaves nothing running for the next one, which checks that no process is left.
afterEach(async () => {
  for (const { child, exited } of started.splice(0)) if (child.exitCode === null && child.kill('SIGTERM')) await exited;
  const entryPoint = join(projectRoot, 'workers', 'start.ts');
  await waitFor(
    'the last npm start to stop',
    () => !localProcesses().some((p) => p.command.includes(entryPoint)),
    60_000,
  );
});

function resolveDevServerPath(): string {
  const dev = resolveDevServer(() => undefined);
  if (dev.type !== 'existing-path') throw new Error('the test needs a temporal CLI (TEMPORAL_CLI_PATH)');
  return dev.path;
}

function orphanOn(dbFilename: string): LocalProcess | undefined {
  return localProcesses().find((p) => p.parentPid === 1 && p.command.includes(dbFilename));
}

test('npm start takes over the dev server a crashed start left; kill <npm pid> then stops it entirely', async () => {
  const port = await devServerPort();
  const [intake, metrics] = [await quietPort(), await quietPort()];
  const env = productEnv({
    TEMPORAL_DEV_SERVER_PORT: String(port),
    SOC_INTAKE_PORT: String(intake),
    SOC_METRICS_BIND: `127.0.0.1:${metrics}`,
  });
  const ports = [port, port + 1000, intake, metrics];

  // What a SIGKILLed npm start leaves: its dev server, orphaned, on the project's data.
  const dbFilename = join(temporalDir, 'data', 'temporal.sqlite');
  mkdirSync(dirname(dbFilename), { recursive: true });
  spawn(
    'sh',
    [
      '-c',
      `"${resolveDevServerPath()}" server start-dev --ip 127.0.0.1 --port ${port} --ui-port ${port + 1000} --db-filename "${dbFilename}" >/dev/null 2>&1 &`,
    ],
    { stdio: 'ignore' },
  );
  await waitFor('the orphaned dev server', () => orphanOn(dbFilename) !== undefined, 30_000);
  const devServer = orphanOn(dbFilename);
  // Serving, not only started: a dev server that cannot open its database exits at once.
  for (const deadline = Date.now() + 60_000; await portIsFree(port);) {
    if (Date.now() > deadline || !isAlive(devServer!)) throw new Error('the orphaned dev server did not start serving');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const second = run('npm', ['start', '--ignore-scripts'], env);
  started.push(second);
  await waitFor('the second npm start', () => READY.test(second.output()) || second.child.exitCode !== null);
  expect(second.output()).toContain(
    `Stopping a Temporal dev server left behind by an earlier npm start: pid ${devServer!.pid} (`,
  );
  expect(second.output()).toMatch(READY);
  expect(isAlive(devServer!)).toBe(false);
  expect(second.output()).toContain(
    `Temporal Web UI, triage cases only: http://localhost:${port + 1000}/namespaces/default/workflows?query=WorkflowType%20%3D%20'triageWorkflow'`,
  );

  // SIGTERM to npm alone, as `kill <npm pid>` sends it: npm, its shell, tsx, the worker and the dev server all go.
  const tree = descendants(second.child.pid!);
  expect(tree.some((p) => p.command.includes('start-dev'))).toBe(true);
  process.kill(second.child.pid!, 'SIGTERM');
  await second.exited;
  await waitFor('every process of npm start to exit', () => tree.every((p) => !isAlive(p)), 60_000);
  await waitForPortsFree(ports);
}, 300_000);

describe('a busy port stops start-up with one line naming the port, its holder and the variable', () => {
  let busy: Server;
  let busyPort: number;
  beforeAll(async () => {
    busyPort = await quietPort();
    busy = await occupy(busyPort);
  });
  afterAll(() => busy.close());

  const holder = () => `by pid ${process.pid} (`;

  async function failedStart(script: string, extra: Record<string, string>): Promise<string> {
    const started = run(process.execPath, ['--import', 'tsx', script], productEnv(extra));
    expect(await started.exited).toBe(1);
    // Nothing was left running: no dev server, no relaunched child.
    expect(
      localProcesses().filter(
        (p) => p.parentPid === started.child.pid || p.command.includes(join(projectRoot, script)),
      ),
    ).toEqual([]);
    // The demo's notice of its key file is information printed before anything fails; the failure is what follows.
    return started
      .output()
      .split('\n')
      .filter((line) => !line.startsWith('Payloads are encrypted with the demo key'))
      .join('\n')
      .trim();
  }

  test('npm start: the SIEM intake port', async () => {
    const output = await failedStart('workers/start.ts', { SOC_INTAKE_PORT: String(busyPort) });
    expect(output.split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(`^Cannot start the SIEM intake: port ${busyPort} on 127\\.0\\.0\\.1 is in use \\(EADDRINUSE\\) `),
      ),
    ]);
    expect(output).toContain(holder());
    expect(output).toMatch(/or set SOC_INTAKE_PORT to a free port$/);
    expect(output).not.toContain('IllegalStateError');
  });

  test('npm start: the Prometheus metrics port', async () => {
    const output = await failedStart('workers/start.ts', {
      SOC_INTAKE_PORT: String(await quietPort()),
      SOC_METRICS_BIND: `127.0.0.1:${busyPort}`,
    });
    expect(output.split('\n')).toHaveLength(1);
    expect(output).toMatch(
      new RegExp(
        `^Cannot start the Prometheus metrics endpoint: port ${busyPort} on 127\\.0\\.0\\.1 is in use \\(EADDRINUSE\\) `,
      ),
    );
    expect(output).toContain(holder());
    expect(output).toMatch(/; stop it \(kill \d+\), or set SOC_METRICS_BIND to a free host:port, or off$/);
  });

  test("npm start: the Web UI's port names the Web UI and its port, not the frontend's", async () => {
    const output = await failedStart('workers/start.ts', {
      SOC_INTAKE_PORT: String(await quietPort()),
      SOC_METRICS_BIND: 'off',
      TEMPORAL_DEV_SERVER_PORT: String(busyPort - 1000),
    });
    expect(output.split('\n')).toHaveLength(1);
    expect(output).toMatch(
      new RegExp(`^Cannot start the Temporal Web UI: port ${busyPort} on 127\\.0\\.0\\.1 is in use`),
    );
    expect(output).toMatch(
      /or set TEMPORAL_DEV_SERVER_PORT to another port \(the Web UI listens on that port \+ 1000\)$/,
    );
  });

  test('the intake on its own: a busy port in one line; SIGTERM stops it and frees its port', async () => {
    const env = { TEMPORAL_ADDRESS: '127.0.0.1:1', SOC_INTAKE_TOKEN: 'a-token-of-sixteen-chars' };
    const output = await failedStart('client/intake/main.ts', { ...env, SOC_INTAKE_PORT: String(busyPort) });
    expect(output).toMatch(new RegExp(`^Cannot start the SIEM intake: port ${busyPort} on 127\\.0\\.0\\.1 is in use`));
    expect(output.split('\n')).toHaveLength(1);

    const port = await quietPort();
    const intake = run(process.execPath, ['--import', 'tsx', 'client/intake/main.ts'], {
      ...productEnv(env),
      SOC_INTAKE_PORT: String(port),
    });
    await waitFor('the intake', () => /SIEM intake listening/.test(intake.output()) || intake.child.exitCode !== null);
    intake.child.kill('SIGTERM');
    expect(await intake.exited).toBe(0);
    await waitForPortsFree([port]);
  });
});
