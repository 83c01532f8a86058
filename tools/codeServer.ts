// One code-server — a real VS Code server with its web workbench — started for
// a test or for `npm start`: its own process group, its own user data and
// extensions, listening on 127.0.0.1 only, behind a password made afresh at
// every start. Any local user can reach 127.0.0.1, and the VS Code behind it
// runs terminals as whoever started it (often root): the port alone must not
// be enough.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { codeServerDir, entryScriptIn, isInstalledIn } from './installCodeServer';

/** How long code-server may take to end after SIGTERM before its process group gets SIGKILL. */
const STOP_GRACE_MS = 5_000;
/** How long code-server may take to answer /healthz after it is started: the failure message says "within a minute". */
const SERVING_PATIENCE_MS = 60_000;
/** Between two /healthz tries while it starts. */
const HEALTH_POLL_MS = 200;

/** An account to run code-server as, instead of the one running this process (which must then be root). */
export interface CodeServerUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

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
  /**
   * Runs code-server, and so VS Code's extension host, as this user: with
   * their uid, gid, home and a login-like environment; the state directory
   * (a temporary one in their home when absent) and what is written there
   * become theirs. The install must be readable by them (see installDir).
   */
  user?: CodeServerUser;
  /** The code-server install to run (the directory holding package/); the cache when absent. */
  installDir?: string;
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
    /** The workbench opened on what was asked for (code-server's login page comes first). */
    readonly url: string,
    /** What the login page asks for: made for this start only. */
    readonly password: string,
    /** Where the installed extensions live: each in `<publisher>.<name>-<version>`. */
    readonly extensionsDir: string,
    private readonly temporaryState: string | undefined,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  static async start(options: CodeServerOptions): Promise<CodeServer> {
    const installDir = options.installDir ?? codeServerDir();
    if (!isInstalledIn(installDir))
      throw new Error(`code-server is not installed in ${installDir}: run \`npm run setup:code-server\``);
    const entry = entryScriptIn(installDir);
    const account = options.user ? otherAccount(options.user) : CURRENT_ACCOUNT;

    const temporaryState = options.stateDir
      ? undefined
      : fs.mkdtempSync(path.join(account.temporaryParent, 'syscall-trace-code-server-'));
    const stateDir = options.stateDir ?? temporaryState!;
    const userDataDir = path.join(stateDir, 'user-data');
    const extensionsDir = path.join(stateDir, 'extensions');
    writeSettings(userDataDir, { ...QUIET_SETTINGS, ...options.settings });
    const common = [
      '--user-data-dir',
      userDataDir,
      '--extensions-dir',
      extensionsDir,
      '--config',
      path.join(stateDir, 'config.yaml'),
    ];
    const vsix = options.vsix && account.readableCopy(path.resolve(options.vsix), stateDir);
    account.takeOwnership(stateDir);
    const runAs = account.processOptions(stateDir);
    if (vsix) installExtension(entry, common, vsix, runAs);

    // In the environment, not on the command line: /proc/<pid>/cmdline is
    // readable by every user, a process's environment by its owner only (and
    // code-server removes it from its own before it starts anything).
    const password = crypto.randomBytes(18).toString('base64url');
    const port = options.port ?? (await freePort());
    const child = spawn(
      process.execPath,
      [
        entry,
        ...common,
        '--auth',
        'password',
        '--bind-addr',
        `127.0.0.1:${port}`,
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-workspace-trust',
        '--ignore-last-opened',
      ],
      // Its own process group, so that stop() also ends the extension host
      // and whatever the extension started.
      { ...runAs, env: withPassword(runAs.env, password), detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const origin = `http://127.0.0.1:${port}`;
    const target = path.resolve(options.open);
    const query = target.endsWith('.code-workspace') ? 'workspace' : 'folder';
    const url = `${origin}/?${query}=${encodeURIComponent(target).replace(/%2F/g, '/')}`;
    const server = new CodeServer(child, origin, url, password, extensionsDir, temporaryState);
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
      const stopped = await Promise.race([this.exited.then(() => true), delay(STOP_GRACE_MS).then(() => false)]);
      if (!stopped) signalGroup(this.child.pid!, 'SIGKILL');
      await this.exited;
    }
    // Children that ignored SIGTERM outlive the server process itself.
    signalGroup(this.child.pid!, 'SIGKILL');
    if (this.temporaryState) fs.rmSync(this.temporaryState, { recursive: true, force: true });
  }

  private async waitUntilServing(): Promise<void> {
    const deadline = Date.now() + SERVING_PATIENCE_MS;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null)
        throw new Error(`code-server exited with status ${this.child.exitCode}:\n${this.output}`);
      try {
        // /healthz answers without a login.
        if ((await fetch(`${this.origin}/healthz`)).ok) return;
      } catch {
        // not listening yet
      }
      await delay(HEALTH_POLL_MS);
    }
    throw new Error(`code-server did not answer on ${this.origin} within a minute:\n${this.output}`);
  }
}

interface ProcessOptions {
  uid?: number;
  gid?: number;
  cwd?: string;
  env: NodeJS.ProcessEnv;
}

/** Who code-server runs as, and what that changes in how it is started. */
interface Account {
  /** Where a temporary state directory is made. */
  temporaryParent: string;
  processOptions(stateDir: string): ProcessOptions;
  /** A path to `file` that this account can read. */
  readableCopy(file: string, stateDir: string): string;
  /** Makes what was written under `stateDir` this account's. */
  takeOwnership(stateDir: string): void;
}

const CURRENT_ACCOUNT: Account = {
  // Not /tmp: install takes the extension's files from no directory that
  // every user can write (docs/flight-recorder.md, "Installing"); /run is root's.
  temporaryParent: '/run',
  processOptions: () => ({ env: process.env }),
  readableCopy: (file) => file,
  takeOwnership: () => undefined,
};

function otherAccount(user: CodeServerUser): Account {
  return {
    // Not /tmp: every directory above the extension must be writable by root
    // or the user only, or the extension refuses to ask for root.
    temporaryParent: user.home,
    // Node drops the supplementary groups too when it sets uid and gid. The
    // environment is what a login gives, not this process's (root's);
    // temporary files (VS Code's IPC sockets among them) go with the state.
    processOptions: (stateDir) => ({
      uid: user.uid,
      gid: user.gid,
      cwd: user.home,
      env: {
        HOME: user.home,
        USER: user.name,
        LOGNAME: user.name,
        SHELL: '/bin/bash',
        PATH: '/usr/local/bin:/usr/bin:/bin',
        LANG: process.env.LANG ?? 'C.UTF-8',
        TMPDIR: path.join(stateDir, 'tmp'),
      },
    }),
    readableCopy: (file, stateDir) => {
      const copy = path.join(stateDir, path.basename(file));
      fs.mkdirSync(stateDir, { recursive: true });
      fs.copyFileSync(file, copy);
      return copy;
    },
    takeOwnership: (stateDir) => {
      fs.mkdirSync(path.join(stateDir, 'tmp'), { recursive: true, mode: 0o700 });
      chownTree(stateDir, user.uid, user.gid);
    },
  };
}

function chownTree(root: string, uid: number, gid: number): void {
  fs.chownSync(root, uid, gid);
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    const child = path.join(root, entry.name);
    if (entry.isDirectory()) chownTree(child, uid, gid);
    else fs.lchownSync(child, uid, gid);
  }
}

/** `env` with code-server's password; a HASHED_PASSWORD from the caller's environment would take its place. */
function withPassword(env: NodeJS.ProcessEnv, password: string): NodeJS.ProcessEnv {
  const { HASHED_PASSWORD: _ignored, ...rest } = env;
  return { ...rest, PASSWORD: password };
}

/** Writes the first settings of a user-data directory; a person's later changes are kept. */
function writeSettings(userDataDir: string, settings: Record<string, unknown>): void {
  const file = path.join(userDataDir, 'User', 'settings.json');
  if (fs.existsSync(file)) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(settings, null, 2));
}

function installExtension(entry: string, common: string[], vsix: string, runAs: ProcessOptions): void {
  const output = execFileSync(process.execPath, [entry, ...common, '--install-extension', vsix, '--force'], {
    ...runAs,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (!/successfully installed/.test(output)) throw new Error(`installing ${vsix} into code-server failed:\n${output}`);
}

/** Sends `signal` to the process group `pid` leads; nothing if it is gone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

/** A TCP port on 127.0.0.1 that nothing listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
