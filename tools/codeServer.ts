// One code-server — a real VS Code server with its web workbench — started for
// a test or for `npm start`: its own process group, its own user data and
// extensions, listening on 127.0.0.1 only (no password: nothing else can reach it).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { codeServerEntry, isCodeServerInstalled } from './installCodeServer';

export interface CodeServerOptions {
  /** A folder, or a `.code-workspace` file for a multi-root workspace. */
  open: string;
  /** A packaged extension to install before the workbench starts. */
  vsix?: string;
  /** Fixed port; a free one when absent. */
  port?: number;
  /** Where user data and extensions live; a fresh temporary directory when absent (removed on stop). */
  stateDir?: string;
  /** User settings, on top of those that keep dialogs out of the way. */
  settings?: Record<string, unknown>;
}

/**
 * Settings that a person would click away once, but that would block every
 * click of a test: the workspace-trust dialog and the welcome page.
 */
const QUIET_SETTINGS = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
};

export class CodeServer {
  private readonly exited: Promise<void>;
  private output = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly origin: string,
    /** The workbench opened on what was asked for. */
    readonly url: string,
    /** Where the installed extensions live: each in `<publisher>.<name>-<version>`. */
    readonly extensionsDir: string,
    private readonly temporaryState: string | undefined,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  static async start(options: CodeServerOptions): Promise<CodeServer> {
    if (!isCodeServerInstalled()) throw new Error('code-server is not installed: run `npm run setup:code-server`');
    const temporaryState = options.stateDir ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'syscall-trace-code-server-'));
    const stateDir = options.stateDir ?? temporaryState!;
    const userDataDir = path.join(stateDir, 'user-data');
    const extensionsDir = path.join(stateDir, 'extensions');
    writeSettings(userDataDir, { ...QUIET_SETTINGS, ...options.settings });
    const common = [
      '--user-data-dir', userDataDir,
      '--extensions-dir', extensionsDir,
      '--config', path.join(stateDir, 'config.yaml'),
    ];
    if (options.vsix) installExtension(common, options.vsix);

    const port = options.port ?? (await freePort());
    const child = spawn(
      process.execPath,
      [
        codeServerEntry(),
        ...common,
        '--auth', 'none',
        '--bind-addr', `127.0.0.1:${port}`,
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-workspace-trust',
        '--ignore-last-opened',
      ],
      // Its own process group, so that stop() also ends the extension host
      // and whatever the extension started.
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const origin = `http://127.0.0.1:${port}`;
    const target = path.resolve(options.open);
    const query = target.endsWith('.code-workspace') ? 'workspace' : 'folder';
    const url = `${origin}/?${query}=${encodeURIComponent(target).replace(/%2F/g, '/')}`;
    const server = new CodeServer(child, origin, url, extensionsDir, temporaryState);
    try {
      await server.waitUntilServing();
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  /** What code-server printed so far, for failure messages. */
  get log(): string {
    return this.output;
  }

  /** Ends code-server and everything in its process group; idempotent. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      signalGroup(this.child.pid!, 'SIGTERM');
      const stopped = await Promise.race([this.exited.then(() => true), delay(5_000).then(() => false)]);
      if (!stopped) signalGroup(this.child.pid!, 'SIGKILL');
      await this.exited;
    }
    // Children that ignored SIGTERM outlive the server process itself.
    signalGroup(this.child.pid!, 'SIGKILL');
    if (this.temporaryState) fs.rmSync(this.temporaryState, { recursive: true, force: true });
  }

  private async waitUntilServing(): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`code-server exited with status ${this.child.exitCode}:\n${this.output}`);
      try {
        if ((await fetch(`${this.origin}/healthz`)).ok) return;
      } catch {
        // not listening yet
      }
      await delay(200);
    }
    throw new Error(`code-server did not answer on ${this.origin} within a minute:\n${this.output}`);
  }
}

/** Writes the first settings of a user-data directory; a person's later changes are kept. */
function writeSettings(userDataDir: string, settings: Record<string, unknown>): void {
  const file = path.join(userDataDir, 'User', 'settings.json');
  if (fs.existsSync(file)) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(settings, null, 2));
}

function installExtension(common: string[], vsix: string): void {
  const output = execFileSync(process.execPath, [codeServerEntry(), ...common, '--install-extension', path.resolve(vsix), '--force'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (!/successfully installed/.test(output)) throw new Error(`installing ${vsix} into code-server failed:\n${output}`);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
