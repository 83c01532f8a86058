// A one-shot helper command (install, uninstall) run the way the extension
// runs it where no elevation is needed ('direct'): a real Node process stands
// in for dist/helper.js, so what is read back is what a process really wrote.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { runHelperCommand, type HelperCommandOptions } from '../../../../extension/launch/helperLauncher';
import { StartupTimeoutError } from '../../../../extension/launch/helperStartup';
import { INSTALLING, setupOutcome } from '../../../../extension/recorder/installSteps';

let scratch: string;
let leftRunning: number | undefined;

beforeEach(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'syscall-trace-command-'));
});
afterEach(() => {
  if (leftRunning !== undefined) {
    try {
      process.kill(leftRunning, 'SIGKILL');
    } catch {
      // it ended already
    }
    leftRunning = undefined;
  }
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** Runs `script` (the body of a helper.js) with `args`, directly; returns the result and the log. */
async function run(script: string, args: string[], patienceMs = 10_000) {
  const helperScript = path.join(scratch, 'helper.js');
  fs.writeFileSync(helperScript, script);
  const log: string[] = [];
  const options: HelperCommandOptions = {
    setting: 'direct',
    facts: { isRoot: false, polkitAgentRunning: false },
    runtime: { execPath: process.execPath, helperScript },
    askSudoPassword: () => Promise.reject(new Error('no password is asked where nothing elevates')),
    log: (line) => log.push(line),
    purpose: INSTALLING,
    args: () => args,
    running: 'Installing…',
    patienceMs,
  };
  const completed = await runHelperCommand(options);
  return { completed, log };
}

describe('a one-shot helper command', () => {
  it('is given its arguments, and what it writes on stdout is read back and logged line by line', async () => {
    const { completed, log } = await run(
      `process.stdout.write(JSON.stringify(process.argv.slice(2)) + '\\nstarted the recorder\\n'); process.stderr.write('a note\\n');`,
      ['install', '--allow-uid', '1000'],
    );
    expect(completed.exit).toEqual({ code: 0, signal: null });
    expect(setupOutcome(completed)).toEqual({
      succeeded: true,
      lines: ['["install","--allow-uid","1000"]', 'started the recorder'],
    });
    expect(log).toContain('[helper] started the recorder');
    expect(log).toContain('[helper] a note');
    expect(log.some((line) => line.startsWith('running (direct): ') && line.includes('install --allow-uid 1000'))).toBe(
      true,
    );
  });

  it('that fails gives its status and its last line on stderr', async () => {
    const { completed } = await run(
      `console.error('checking'); console.error('/usr/local/lib is writable by group staff'); process.exit(1);`,
      ['install'],
    );
    expect(setupOutcome(completed)).toEqual({ succeeded: false, reason: '/usr/local/lib is writable by group staff' });
  });

  it('has ended when it exits, even though a process it started keeps its output open', async () => {
    const script = `
      const { spawn } = require('node:child_process');
      const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { detached: true, stdio: 'inherit' });
      child.unref();
      console.log(child.pid);
    `;
    const started = Date.now();
    const { completed } = await run(script, ['install']);
    leftRunning = Number(completed.stdout.trim());
    expect(completed.exit.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('that does not end within its patience is ended, and the reason says what was not done', async () => {
    const error = await run('setTimeout(() => {}, 60000);', ['install'], 300).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StartupTimeoutError);
    expect((error as Error).message).toBe(
      'The command did not end within 0.3 s: the recorder was not installed. Its lines so far are in the log.',
    );
  });
});
