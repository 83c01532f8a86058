// Real files and directories in a scratch directory, with real owners and
// modes (the tests run as root, so they can give a file to anyone). The
// scratch directory is in /run, root's and writable by root alone: one in
// /tmp, which every user can write, would be refused.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { fixedProgramProblem, untrustedFileProblem } from '../../../../extension/launch/trustedFiles';

const PERSON = 1000;
/** A uid nobody on a test machine has. */
const STRANGER = 54321;

let scratch: string;

beforeEach(() => {
  scratch = fs.realpathSync(fs.mkdtempSync('/run/syscall-trace-trust-'));
  fs.chmodSync(scratch, 0o755);
});
afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** An installed extension and a runtime under `root`, every part root's and 0755/0644; returns the files root would run. */
function install(root: string): string[] {
  const files = [
    'runtime/code',
    'ext/dist/helper.js',
    'ext/dist/syscall_trace.node',
    'ext/dist/libbpf.so.1',
    'ext/package.json',
  ].map((file) => path.join(root, file));
  for (const file of files) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
    fs.writeFileSync(file, '', { mode: 0o644 });
  }
  return files;
}

const problem = (files: string[], personUid = PERSON) => untrustedFileProblem(files, { personUid });

describe('the files the helper runs from as root', () => {
  it('accepts files that only root can change', () => {
    expect(problem(install(scratch))).toBeUndefined();
  });

  it('accepts the person’s own files and directories', () => {
    const files = install(scratch);
    for (const entry of [
      'runtime',
      'runtime/code',
      'ext',
      'ext/dist',
      ...files.map((file) => path.relative(scratch, file)),
    ]) {
      fs.chownSync(path.join(scratch, entry), PERSON, PERSON);
    }
    expect(problem(files)).toBeUndefined();
    expect(problem(files, 2000)).toMatch(/belongs|owner/);
  });

  it('refuses a group-writable directory above the helper, saying who can write it and what to do', () => {
    const files = install(scratch);
    const dist = path.join(scratch, 'ext', 'dist');
    fs.chmodSync(dist, 0o775);
    const sentence = problem(files);
    expect(sentence).toContain(`The directory ${dist}`);
    expect(sentence).toContain('members of group root (gid 0)');
    expect(sentence).toContain(`chmod g-w ${dist}`);
    expect(sentence).toContain('tracing did not start');
  });

  it('refuses a file owned by another user', () => {
    const files = install(scratch);
    const helper = path.join(scratch, 'ext', 'dist', 'helper.js');
    fs.chownSync(helper, STRANGER, STRANGER);
    const sentence = problem(files);
    expect(sentence).toContain(`${helper} can be changed by its owner, uid ${STRANGER}`);
    expect(sentence).toContain('install the extension where only you and root can write');
  });

  it('refuses a directory every user can write', () => {
    const files = install(scratch);
    fs.chmodSync(path.join(scratch, 'ext'), 0o777);
    const sentence = problem(files);
    expect(sentence).toContain('every user');
    expect(sentence).toContain(`chmod go-w ${path.join(scratch, 'ext')}`);
  });

  it('refuses a file the group can write', () => {
    const files = install(scratch);
    fs.chmodSync(files[2], 0o664);
    expect(problem(files)).toContain(`${files[2]} can be changed by the members of group`);
  });

  it('refuses a world-writable directory above the helper even where it is sticky, like /tmp, and does not ask for it to be made private', () => {
    const shared = path.join(scratch, 'shared');
    fs.mkdirSync(shared);
    fs.chmodSync(shared, 0o1777);
    const sentence = problem(install(shared));
    expect(sentence).toContain(
      `The directory ${shared} (above ${path.join(shared, 'runtime', 'code')}) can be changed by every user`,
    );
    expect(sentence).toContain('install the extension where only you and root can write');
    expect(sentence).not.toContain('chmod');
  });

  it('refuses a sticky directory that belongs to another user', () => {
    const shared = path.join(scratch, 'shared');
    fs.mkdirSync(shared);
    fs.chmodSync(shared, 0o1777);
    fs.chownSync(shared, STRANGER, STRANGER);
    expect(problem(install(shared))).toContain(`uid ${STRANGER}`);
  });

  it('refuses a symbolic link among the files, such as dist/libsqlite3.so.0 -> /etc/shadow', () => {
    const files = install(scratch);
    const library = path.join(scratch, 'ext', 'dist', 'libsqlite3.so.0');
    fs.symlinkSync('/etc/shadow', library);
    expect(problem([...files, library])).toBe(
      `${library} is a symbolic link, and the helper would load whatever it names as root: tracing did not start. Reinstall the extension.`,
    );
  });

  it('refuses a symbolic link among the files even where it leads to a file root may load', () => {
    const files = install(scratch);
    const link = path.join(scratch, 'ext', 'dist', 'helper-link.js');
    fs.symlinkSync(files[1], link);
    expect(problem([link])).toContain(`${link} is a symbolic link`);
  });

  it('checks the directories above a file by their real paths, where a directory on the way is a link', () => {
    const files = install(path.join(scratch, 'real'));
    const linked = path.join(scratch, 'linked');
    fs.symlinkSync(path.join(scratch, 'real', 'ext'), linked);
    const helper = path.join(linked, 'dist', 'helper.js');
    expect(problem([helper])).toBeUndefined();
    fs.chmodSync(path.dirname(files[1]), 0o777);
    expect(problem([helper])).toContain(`The directory ${path.dirname(files[1])} (above ${files[1]})`);
  });

  it('refuses a missing file', () => {
    const files = install(scratch);
    fs.rmSync(files[3]);
    expect(problem(files)).toContain(`${files[3]} is missing`);
  });
});

describe('sudo, pkexec and env at their fixed paths', () => {
  let program: string;
  beforeEach(() => {
    program = path.join(scratch, 'sudo');
    fs.writeFileSync(program, '', { mode: 0o755 });
  });

  it('accepts a program of root’s that only root can write', () => {
    expect(fixedProgramProblem(program)).toBeUndefined();
  });

  it('refuses one that belongs to another user', () => {
    fs.chownSync(program, STRANGER, 0);
    expect(fixedProgramProblem(program)).toBe(
      `${program} belongs to uid ${STRANGER}, not root, so Syscall Trace will not run it: tracing did not start.`,
    );
  });

  it('refuses one that its group can write', () => {
    fs.chmodSync(program, 0o775);
    expect(fixedProgramProblem(program)).toContain(`${program} can be written by the members of group root (gid 0)`);
  });

  it('refuses one that is missing, or not a file', () => {
    expect(fixedProgramProblem(path.join(scratch, 'pkexec'))).toContain(
      `${path.join(scratch, 'pkexec')} does not exist`,
    );
    expect(fixedProgramProblem(scratch)).toContain('is not a regular file');
  });

  it('accepts the system’s own', () => {
    expect(fixedProgramProblem('/usr/bin/env')).toBeUndefined();
  });
});
