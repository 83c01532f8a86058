// `npm start`'s VS Code, started the way `npm start` starts it after packaging
// (`npm run start:vscode`: the tools script bundled and run), on a free port
// with a state directory of its own; the address and password it prints are
// read back. It runs in a process group of its own, which stop() ends.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { delay, freePort, signalGroup } from '../../../tools/codeServer';
import { findRepoRoot } from '../../../tools/repoRoot';

export class NpmStartVsCode {
  private output = '';
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    /** The state directory it was given: code-server's command line names it. */
    readonly stateDir: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  /** Starts it and waits until it has printed where VS Code is and its password. */
  static async start(): Promise<{ started: NpmStartVsCode; url: string; password: string }> {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'syscall-trace-npm-start-'));
    const child = spawn('npm', ['run', 'start:vscode'], {
      cwd: findRepoRoot(),
      env: { ...process.env, PORT: String(await freePort()), SYSCALL_TRACE_CODE_SERVER_STATE: stateDir },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const started = new NpmStartVsCode(child, stateDir);
    try {
      const [, url, password] = await started.waitForOutput(/open (http:\S+)\s+Password: (\S+)/, 120_000);
      return { started, url, password };
    } catch (error) {
      await started.stop();
      throw error;
    }
  }

  /** What it printed so far, for failure messages. */
  get log(): string {
    return this.output;
  }

  /**
   * SIGTERM to its process group, as Ctrl-C in its terminal would do (the
   * script stops code-server, whose own process group is not the script's).
   * Whatever is left after 15 s is killed, and reported.
   */
  async stop(): Promise<{ leftOver: number[] }> {
    signalGroup(this.child.pid!, 'SIGTERM');
    const deadline = Date.now() + 15_000;
    while (this.remaining().length > 0 && Date.now() < deadline) await delay(100);
    const leftOver = this.remaining();
    for (const pid of leftOver) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    signalGroup(this.child.pid!, 'SIGKILL');
    await this.exited;
    fs.rmSync(this.stateDir, { recursive: true, force: true });
    return { leftOver };
  }

  /** Processes of its group, and code-server's (found by the state directory on their command line). */
  private remaining(): number[] {
    return [...processesInGroup(this.child.pid!), ...processesNaming(this.stateDir)];
  }

  private async waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.output);
      if (match) return match;
      if (this.child.exitCode !== null)
        throw new Error(`npm run start:vscode exited with status ${this.child.exitCode}:\n${this.output}`);
      if (Date.now() >= deadline)
        throw new Error(
          `npm run start:vscode printed no address and password within ${timeoutMs / 1000} s:\n${this.output}`,
        );
      await delay(200);
    }
  }
}

function processesInGroup(group: number): number[] {
  return livePids().filter((pid) => {
    try {
      // The fields after the command name, which is in parentheses and may hold anything.
      const fields = fs
        .readFileSync(`/proc/${pid}/stat`, 'utf8')
        .replace(/^.*\) /s, '')
        .split(' ');
      return Number(fields[2]) === group;
    } catch {
      return false;
    }
  });
}

function processesNaming(text: string): number[] {
  return livePids().filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
    } catch {
      return false;
    }
  });
}

/** Running processes, not zombies waiting for their parent (other than this test process). */
function livePids(): number[] {
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .map(Number)
    .filter((pid) => {
      try {
        return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      } catch {
        return false;
      }
    });
}
