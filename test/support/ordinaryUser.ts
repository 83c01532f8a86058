// An ordinary (not root) user account that exists for one test: made with a
// home and a random password, and removed with its processes, its home and
// the records sudo keeps of it.
import { execFileSync, spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CodeServerUser } from '../../tools/codeServer';

export class OrdinaryUser implements CodeServerUser {
  private constructor(
    readonly name: string,
    readonly uid: number,
    readonly gid: number,
    readonly home: string,
    readonly password: string,
  ) {}

  /** Makes the account; one of that name left by a run that was killed is removed first. */
  static create(name: string): OrdinaryUser {
    OrdinaryUser.removeLeftover(name);
    execFileSync('useradd', ['--create-home', '--user-group', '--shell', '/bin/bash', name], { stdio: 'pipe' });
    const password = crypto.randomBytes(12).toString('base64url');
    execFileSync('chpasswd', { input: `${name}:${password}\n`, stdio: ['pipe', 'pipe', 'pipe'] });
    const [, , uid, gid, , home] = passwdEntry(name)!.split(':');
    return new OrdinaryUser(name, Number(uid), Number(gid), home, password);
  }

  /** Removes the account `name` (its processes, its home) if a run that was killed left it. */
  static removeLeftover(name: string): void {
    if (passwdEntry(name)) removeAccount(name);
  }

  /** Makes a directory (and those above it, under the home) owned by this user. */
  makeDirectory(directory: string): string {
    const relative = path.relative(this.home, directory);
    if (relative.startsWith('..') || path.isAbsolute(relative)) throw new Error(`${directory} is not in ${this.home}`);
    let current = this.home;
    for (const part of relative.split(path.sep).filter(Boolean)) {
      current = path.join(current, part);
      if (!fs.existsSync(current)) fs.mkdirSync(current, { mode: 0o755 });
      fs.chownSync(current, this.uid, this.gid);
    }
    return directory;
  }

  /** Writes a file owned by this user. */
  writeFile(file: string, content: string): string {
    this.makeDirectory(path.dirname(file));
    fs.writeFileSync(file, content);
    fs.chownSync(file, this.uid, this.gid);
    return file;
  }

  /**
   * Runs `command` as this user, the way root does (runuser), to its end and
   * returns the pid of the command itself: runuser forks, so a shell prints
   * its pid and then becomes the command.
   */
  run(command: string, args: string[]): Promise<number> {
    return new Promise((resolve, reject) => {
      const child = spawn(
        'runuser',
        ['-u', this.name, '--', 'sh', '-c', 'echo $$; exec "$@"', 'sh', command, ...args],
        {
          cwd: this.home,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('error', reject);
      child.once('close', (status) => {
        const pid = Number(/^\d+/.exec(output)?.[0]);
        if (status === 0 && pid > 0) resolve(pid);
        else
          reject(new Error(`runuser -u ${this.name} -- ${command} ${args.join(' ')} exited with ${status}: ${output}`));
      });
    });
  }

  /**
   * Runs `command` as this user (runuser) with `input` on its stdin and an
   * environment of PATH alone (none of root's), to its end, and returns what
   * it wrote; its exit status is the caller's to judge.
   */
  runWithInput(
    command: string,
    args: string[],
    input: string,
  ): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn('runuser', ['-u', this.name, '--', command, ...args], {
        cwd: this.home,
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('error', reject);
      child.once('close', (status) => resolve({ status, stdout, stderr }));
      child.stdin.end(input);
    });
  }

  /** The live processes that have this user's uid as any of their user ids (sudo, and a helper that dropped to the user, among them). */
  processes(): number[] {
    return processesOf(this.uid);
  }

  /** Ends (SIGKILL) every process that has this user's uid as any of its user ids: what sudo or a helper left. */
  endProcesses(): void {
    endProcessesOf(this.name, this.uid);
  }

  remove(): void {
    removeAccount(this.name);
  }
}

function passwdEntry(name: string): string | undefined {
  try {
    return execFileSync('getent', ['passwd', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** Ends the user's processes (userdel refuses while any runs), then removes the account, its home and sudo's records of it. */
function removeAccount(name: string): void {
  endProcessesOf(name, Number(passwdEntry(name)!.split(':')[2]));
  execFileSync('userdel', ['--remove', name], { stdio: 'pipe' });
  // Whether sudo has shown its lecture, and its cached credentials.
  fs.rmSync(`/var/lib/sudo/lectured/${name}`, { force: true });
  fs.rmSync(`/run/sudo/ts/${name}`, { force: true });
}

function endProcessesOf(name: string, uid: number): void {
  const deadline = Date.now() + 10_000;
  for (let running = processesOf(uid); running.length > 0; running = processesOf(uid)) {
    if (Date.now() > deadline) throw new Error(`processes of ${name} do not end: ${running.join(', ')}`);
    for (const pid of running) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    execFileSync('sleep', ['0.1']);
  }
}

/** Live processes with `uid` as any of their user ids. */
function processesOf(uid: number): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = fs.readFileSync(`/proc/${entry}/status`, 'utf8');
      if (/^State:\s+Z/m.test(status)) continue;
      const uids = /^Uid:\s+(.*)$/m.exec(status)![1].split(/\s+/).map(Number);
      if (uids.includes(uid)) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}
