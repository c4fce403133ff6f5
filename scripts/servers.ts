/**
 * Supplies the two Temporal servers on a machine that may reach package registries only.
 *
 * Dev server (real Temporal Server with SQLite and the Web UI), first found of:
 *   TEMPORAL_CLI_PATH → `temporal` on PATH → .temporal/bin/temporal → `go install` (when Go is present) → the SDK's
 *   own download (machines with internet).
 * Time-skipping test server: TEMPORAL_TEST_SERVER_PATH, else io.temporal:temporal-test-server from Maven Central
 *   (resolved by Maven) behind an executable wrapper in .temporal/bin.
 *
 * `npx tsx scripts/servers.ts` installs both and measures how long each takes to answer.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { delimiter, join, resolve } from 'node:path';
import { TestWorkflowEnvironment, type ClientOptionsForTestEnv, type DevServerConfig } from '@temporalio/testing';
import { stopWhenLaunchersExit } from '../client/process/launcher-watch';
import { searchAttributeKeys } from '../common/search-attributes';
import { registerSearchAttributes } from '../workers/search-attributes';
import { devServerDynamicConfigArgs } from './cluster/dynamic-config';

export const projectRoot = resolve(__dirname, '..');
export const temporalDir = join(projectRoot, '.temporal');
const binDir = join(temporalDir, 'bin');

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const DEV_SERVER_START_ATTEMPTS = 3;
const TEST_SERVER_MAIN = 'io.temporal.testserver.TestServer';

export class MissingServerError extends Error {
  override name = 'MissingServerError';
}

export type DevServerExecutable =
  | { type: 'existing-path'; path: string; source: string }
  | { type: 'cached-download'; downloadDir: string; source: string };

type Log = (line: string) => void;
const stderrLog: Log = (line) => process.stderr.write(`${line}\n`);

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Finds or builds the `temporal` CLI. Never throws for a missing binary: the SDK's download is the last resort. */
export function resolveDevServer(log: Log = stderrLog): DevServerExecutable {
  const configured = process.env.TEMPORAL_CLI_PATH;
  if (configured) {
    if (!isExecutable(configured)) {
      throw new MissingServerError(
        `TEMPORAL_CLI_PATH=${configured} is not an executable file; unset it or point it at the temporal CLI`,
      );
    }
    return { type: 'existing-path', path: configured, source: 'TEMPORAL_CLI_PATH' };
  }
  const fromPath = onPath('temporal');
  if (fromPath) return { type: 'existing-path', path: fromPath, source: 'PATH' };

  const cached = join(binDir, 'temporal');
  if (isExecutable(cached)) return { type: 'existing-path', path: cached, source: '.temporal/bin' };

  const go = onPath('go');
  if (go) {
    log(
      `Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with go install into .temporal/bin (the first build takes about 6 minutes on 2 cores; later ones reuse Go's caches)…`,
    );
    mkdirSync(binDir, { recursive: true });
    const started = Date.now();
    const build = spawnSync(go, ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`], {
      env: { ...process.env, GOBIN: binDir, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (build.status === 0 && isExecutable(cached)) {
      log(`Built the Temporal CLI in ${Math.round((Date.now() - started) / 1000)} s.`);
      return { type: 'existing-path', path: cached, source: 'go install' };
    }
    log(`go install of the Temporal CLI failed (exit ${build.status}); falling back to the SDK's download.`);
  }
  return { type: 'cached-download', downloadDir: join(temporalDir, 'download'), source: "the SDK's download" };
}

/** The message for a dev server that could not be started from any source. */
export function devServerMissingMessage(cause: unknown): string {
  return (
    `No Temporal dev server: none on TEMPORAL_CLI_PATH or PATH, none in .temporal/bin, no Go to build one, and the SDK's download failed (${String(cause).split('\n')[0]}). ` +
    `Install Go (then it is built with go install github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}) or set TEMPORAL_CLI_PATH to a temporal CLI.`
  );
}

/** Returns an executable that starts Temporal's time-skipping test server with `<port>` as its argument. */
export function resolveTestServer(log: Log = stderrLog): string {
  const configured = process.env.TEMPORAL_TEST_SERVER_PATH;
  if (configured) {
    if (!isExecutable(configured)) {
      throw new MissingServerError(`TEMPORAL_TEST_SERVER_PATH=${configured} is not an executable file`);
    }
    return configured;
  }
  const wrapper = join(binDir, 'temporal-test-server');
  const classpathFile = join(temporalDir, 'test-server', 'classpath.txt');
  const pom = join(projectRoot, 'scripts', 'test-server', 'pom.xml');
  const version = /<temporal\.test-server\.version>([^<]+)</.exec(readFileSync(pom, 'utf8'))?.[1] ?? 'unknown';
  const stamp = join(temporalDir, 'test-server', 'version.txt');

  const upToDate =
    isExecutable(wrapper) &&
    existsSync(classpathFile) &&
    existsSync(stamp) &&
    readFileSync(stamp, 'utf8') === version &&
    readFileSync(classpathFile, 'utf8')
      .trim()
      .split(delimiter)
      .every((jar) => existsSync(jar));
  if (upToDate) return wrapper;

  const java = onPath('java');
  if (!java) {
    throw new MissingServerError(
      'No time-skipping test server: Java 8+ is missing (install a JRE, e.g. apt-get install openjdk-17-jre-headless) or set TEMPORAL_TEST_SERVER_PATH',
    );
  }
  const mvn = onPath('mvn');
  if (!mvn) {
    throw new MissingServerError(
      'No time-skipping test server: Maven is missing to fetch io.temporal:temporal-test-server from Maven Central (apt-get install maven) or set TEMPORAL_TEST_SERVER_PATH',
    );
  }
  log(`Fetching io.temporal:temporal-test-server:${version} from Maven Central…`);
  mkdirSync(join(temporalDir, 'test-server'), { recursive: true });
  const result = spawnSync(
    mvn,
    ['-q', '-B', '-f', pom, 'dependency:build-classpath', `-Dmdep.outputFile=${classpathFile}`],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  if (result.status !== 0 || !existsSync(classpathFile)) {
    throw new MissingServerError(
      `No time-skipping test server: Maven could not resolve io.temporal:temporal-test-server:${version} (exit ${result.status}); check access to Maven Central or set TEMPORAL_TEST_SERVER_PATH`,
    );
  }
  mkdirSync(binDir, { recursive: true });
  const classpath = readFileSync(classpathFile, 'utf8').trim();
  // `exec` so the SDK's SIGKILL reaches the JVM itself. Serial GC and C1 only: the server lives for one test file,
  // and these flags cut its start-up time by about a third on 2 cores.
  writeFileSync(
    wrapper,
    `#!/bin/sh\nexec "${java}" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -cp "${classpath}" ${TEST_SERVER_MAIN} "$@"\n`,
    { mode: 0o755 },
  );
  writeFileSync(stamp, version);
  return wrapper;
}

/**
 * A stand-in executable for a server that the harness has already started and awaited. The SDK only waits about 5 s
 * for a server it starts itself, and a JVM on a busy 2-core machine can take longer; so the harness starts the real
 * server with its own, longer deadline and hands the SDK this placeholder, which it may start and SIGKILL freely.
 */
export function alreadyRunningPlaceholder(): string {
  const path = join(binDir, 'already-running');
  if (!isExecutable(path)) {
    mkdirSync(binDir, { recursive: true });
    writeFileSync(
      path,
      '#!/bin/sh\n# The server on the given port was started by the test harness.\nexec sleep 2147483647\n',
      { mode: 0o755 },
    );
  }
  return path;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

export async function waitForPort(port: number, timeoutMs: number, child?: ChildProcess): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (child && child.exitCode !== null)
      throw new Error(`server exited with code ${child.exitCode} before listening on ${port}`);
    const open = await new Promise<boolean>((done) => {
      const socket = new Socket();
      socket.once('connect', () => (socket.destroy(), done(true)));
      socket.once('error', () => (socket.destroy(), done(false)));
      socket.connect(port, '127.0.0.1');
    });
    if (open) return Date.now() - started;
    if (Date.now() - started > timeoutMs)
      throw new Error(`nothing listened on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface RunningTestServer {
  port: number;
  startupMs: number;
  stop(): void;
}

/** The test servers this process started and has not stopped (each in its own process group, out of Ctrl-C's reach). */
const runningTestServers = new Set<() => void>();

/** Starts the time-skipping test server and waits (up to `timeoutMs`) until it accepts connections. */
export async function startTestServer(timeoutMs = 60_000): Promise<RunningTestServer> {
  const executable = resolveTestServer();
  const port = await freePort();
  const child = spawn(executable, [String(port)], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const stop = () => {
    runningTestServers.delete(stop);
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  runningTestServers.add(stop);
  try {
    const startupMs = await waitForPort(port, timeoutMs, child);
    child.stderr?.removeAllListeners('data');
    child.stderr?.resume();
    return { port, startupMs, stop };
  } catch (err) {
    stop();
    throw new Error(`time-skipping test server did not start: ${(err as Error).message}\n${stderr}`);
  }
}

/**
 * Starts a Temporal dev server from the first source `resolveDevServer` finds, with the product's search attributes
 * registered and update-with-start enabled. `server` adds the caller's settings (port, UI, SQLite file, namespace);
 * `options.client` the environment client's (its data converter), `options.extraArgs` more server flags.
 */
export async function startDevServer(
  server: Omit<DevServerConfig, 'type' | 'executable' | 'searchAttributes' | 'extraArgs'> = {},
  log: Log = stderrLog,
  options: { client?: ClientOptionsForTestEnv; extraArgs?: string[] } = {},
): Promise<TestWorkflowEnvironment> {
  const dev = resolveDevServer(log);
  let env: TestWorkflowEnvironment;
  const start = () =>
    TestWorkflowEnvironment.createLocal({
      server: {
        ...server,
        executable:
          dev.type === 'existing-path'
            ? { type: 'existing-path', path: dev.path }
            : { type: 'cached-download', downloadDir: dev.downloadDir },
        searchAttributes: searchAttributeKeys,
        extraArgs: [...devServerDynamicConfigArgs(), ...(options.extraArgs ?? [])],
      },
      ...(options.client ? { client: options.client } : {}),
    });
  try {
    // The SDK gives the server about 5 s to answer and then kills it; on a busy machine that can be too short, so a
    // start that timed out is tried again (the SDK has stopped the slow one).
    for (let attempt = 1; ; attempt++) {
      try {
        env = await start();
        break;
      } catch (err) {
        if (attempt >= DEV_SERVER_START_ATTEMPTS || !/did not start within/.test((err as Error).message)) throw err;
        log(`The Temporal dev server was slow to start (attempt ${attempt}); trying again…`);
      }
    }
  } catch (err) {
    if (dev.type === 'cached-download') throw new MissingServerError(devServerMissingMessage(err));
    const ports = server.port
      ? ` on port ${server.port}${server.ui && server.uiPort ? ` (Web UI on ${server.uiPort})` : ''}; if a port is in use, stop what holds it or set TEMPORAL_DEV_SERVER_PORT`
      : '';
    throw new Error(
      `the Temporal dev server ${dev.path} did not start${ports}: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  if (server.dbFilename) {
    // The server registers attributes only when it creates its database: one kept from an older version lacks the
    // ones added since.
    const added = await registerSearchAttributes(env.connection, server.namespace).catch(async (err: unknown) => {
      await env.teardown();
      throw err;
    });
    if (added.length) log(`Registered search attributes missing from ${server.dbFilename}: ${added.join(', ')}`);
  }
  return env;
}

/**
 * A time-skipping test environment. The JVM is started here with a 60 s deadline (the SDK allows about 5 s, which a
 * JVM on a busy 2-core machine can miss); the SDK then attaches to it through `alreadyRunningPlaceholder()`.
 */
export async function startTimeSkippingEnvironment(client?: ClientOptionsForTestEnv): Promise<{
  env: TestWorkflowEnvironment;
  teardown(): Promise<void>;
}> {
  const server = await startTestServer();
  try {
    const env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: alreadyRunningPlaceholder() }, port: server.port },
      ...(client ? { client } : {}),
    });
    // The test server accepts search attributes only once they are registered, like a real cluster.
    await registerSearchAttributes(env.connection);
    return {
      env,
      async teardown() {
        await env.teardown();
        server.stop();
      },
    };
  } catch (err) {
    server.stop();
    throw err;
  }
}

if (require.main === module) {
  void (async () => {
    const dev = resolveDevServer();
    console.log(`dev server: ${dev.type === 'existing-path' ? dev.path : 'SDK download'} (from ${dev.source})`);
    if (dev.type === 'existing-path') console.log(execFileSync(dev.path, ['--version']).toString().trim());
    const testServer = resolveTestServer();
    console.log(`time-skipping test server wrapper: ${testServer}`);
    const samples: number[] = [];
    for (const signal of ['SIGINT', 'SIGTERM'] as const)
      process.once(signal, () => {
        for (const stop of runningTestServers) stop();
        process.exit(130);
      });
    stopWhenLaunchersExit();
    for (let i = 0; i < 3; i++) {
      const server = await startTestServer();
      samples.push(server.startupMs);
      server.stop();
    }
    console.log(
      `time-skipping test server accepted connections after ${samples.join(' / ')} ms (SDK start window ≈ 5000 ms)`,
    );
  })().catch((err) => {
    console.error(err instanceof MissingServerError ? err.message : err);
    process.exit(1);
  });
}
