// Without the privileges to load BPF programs, the terminal command says so
// in one line and exits with status 1.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { makeScratchDirectory, removeScratchDirectory } from '../../support/scratch';
import { HELPER_SCRIPT } from '../../support/traceCommand';

const NOBODY = 65534;

interface Exited {
  status: number | null;
  stdout: string;
  stderr: string;
}

function runAsNobody(command: string[], cwd: string): Promise<Exited> {
  return new Promise((resolve, reject) => {
    const child = spawn('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...command], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('a user without the privileges to trace', () => {
  let scratch: string;
  let helper: string;
  beforeEach(() => {
    // The built command, where the unprivileged user can surely read it.
    scratch = makeScratchDirectory();
    fs.chmodSync(scratch, 0o755);
    helper = path.join(scratch, 'helper.js');
    fs.copyFileSync(HELPER_SCRIPT, helper);
    fs.copyFileSync(
      path.join(path.dirname(HELPER_SCRIPT), 'syscall_trace.node'),
      path.join(scratch, 'syscall_trace.node'),
    );
  });
  afterEach(() => {
    removeScratchDirectory(scratch);
  });

  it('gets exit status 1, one line on stderr that says what is missing, and nothing on stdout', async () => {
    const result = await runAsNobody([process.execPath, helper, 'trace', '--jsonl', '--path', scratch], scratch);

    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/root|CAP_BPF/);
  });
});
