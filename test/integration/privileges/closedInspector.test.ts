// Node opens its inspector on 127.0.0.1:9229 when it receives SIGUSR1, and
// every account of the machine can reach that port and run code in the
// process. Here the real helper and the real recorder are sent SIGUSR1 as an
// attacker would send it (root, before the helper has dropped to the user;
// the user, after) and go on as before: alive, answering, tracing, with no
// TCP port open. Started with the inspector open or asked for (an option of
// Node's, NODE_OPTIONS), they refuse in one line.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect } from 'vitest';

import { StartRequest } from '../../../common/protocol';
import { HELPER_BUNDLE, startTracing, type HelperUnderTest } from '../../support/helperServer';
import { helperTest } from '../../support/helperTest';
import { recorderTest, waitUntil } from '../../support/recorder';
import { deleteFiles } from '../../support/scratch';

const NOBODY = 65534;
/** Long enough for Node to have opened the inspector, had it listened to the signal (it takes a few ms). */
const INSPECTOR_WOULD_BE_OPEN_MS = 1000;

/** The TCP ports `pid` listens on: its sockets, found among the kernel's listening TCP sockets. */
function listeningTcpPortsOf(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const socket = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (socket !== null) inodes.add(socket[1]);
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of fs.readFileSync(table, 'utf8').split('\n').slice(1)) {
      // sl local_address rem_address st ... uid timeout inode
      const fields = line.trim().split(/\s+/);
      const LISTEN = '0A';
      if (fields.length > 9 && fields[3] === LISTEN && inodes.has(fields[9]))
        ports.push(parseInt(fields[1].split(':')[1], 16));
    }
  }
  return ports;
}

/** Sends SIGUSR1 to `pid` as `uid` (through setpriv, with that uid's group alone); whether it was delivered. */
function sendSigusr1As(uid: number, pid: number): boolean {
  const command =
    uid === 0
      ? ['kill', '-USR1', String(pid)]
      : ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--', 'kill', '-USR1', String(pid)];
  return spawnSync(command[0], command.slice(1)).status === 0;
}

const isAlive = (pid: number): boolean =>
  fs.existsSync(`/proc/${pid}`) && !/^\S+ \(.*\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));

async function expectStillTracing(helper: HelperUnderTest, directory: string): Promise<void> {
  const files = deleteFiles(directory, 3);
  await waitUntil(
    'the helper reports the deletions',
    () => files.every((file) => helper.deletions.some((event) => event.path === file)),
    10_000,
  );
}

describe('the stdio helper, sent SIGUSR1', () => {
  helperTest(
    'by root and by the user it has become, opens no inspector and goes on tracing',
    async ({ scratch, spawnHelper }) => {
      const helper = spawnHelper({ attachMode: 'raw', env: { SUDO_UID: String(NOBODY), SUDO_GID: String(NOBODY) } });
      await startTracing(helper, scratch);
      expect(fs.statSync(`/proc/${helper.pid}`).uid).toBe(NOBODY);
      expect(sendSigusr1As(0, helper.pid)).toBe(true);
      expect(sendSigusr1As(NOBODY, helper.pid)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, INSPECTOR_WOULD_BE_OPEN_MS));

      expect(isAlive(helper.pid)).toBe(true);
      expect(listeningTcpPortsOf(helper.pid)).toEqual([]);
      await expectStillTracing(helper, scratch);
      expect(helper.stderr()).not.toContain('Debugger listening');
    },
  );

  helperTest(
    'by root while it starts, before it could take the signal: never runs on with an inspector open',
    async ({ spawnHelper }) => {
      // Node takes SIGUSR1 before any JavaScript runs (or, sooner still, dies
      // of it): whichever moment it comes, the helper is ready with no port
      // open, ends on it, or refuses in one line.
      for (const delayMs of [0, 10, 25, 50, 100]) {
        const helper = spawnHelper({ attachMode: 'raw' });
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        sendSigusr1As(0, helper.pid);
        const outcome = await Promise.race([helper.ready.then(() => 'ready' as const), helper.exited]);
        if (outcome === 'ready') {
          await new Promise((resolve) => setTimeout(resolve, 200));
          expect({ delayMs, ports: listeningTcpPortsOf(helper.pid) }).toEqual({ delayMs, ports: [] });
        } else if (outcome.signal === null) {
          expect({ delayMs, ...outcome }).toEqual({ delayMs, code: 1, signal: null });
          expect(helper.stderr().trimEnd().split('\n').at(-1)).toMatch(
            /^syscall-trace: .*Node's inspector is open \(ws:/,
          );
        } else {
          expect({ delayMs, ...outcome }).toEqual({ delayMs, code: null, signal: 'SIGUSR1' });
        }
        await helper.dispose();
      }
    },
  );

  helperTest('refuses to start where Node was told to open the inspector, in one line, with status 1', () => {
    const ran = spawnSync(process.execPath, ['--inspect=127.0.0.1:0', HELPER_BUNDLE, '--stdio'], {
      input: '',
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(ran.status).toBe(1);
    expect(ran.stdout).toBe('');
    expect(ran.stderr.trimEnd().split('\n').at(-1)).toMatch(
      /^syscall-trace: the helper does not start: Node's inspector is open \(ws:\/\/127\.0\.0\.1:\d+\/[-0-9a-f]+\), and every account of this machine could connect to it/,
    );
  });

  helperTest(
    'refuses to start where NODE_OPTIONS asks for the inspector, even quoted, before anything is loaded',
    () => {
      for (const nodeOptions of ['--inspect-port=0', '--max-old-space-size=512 "--inspect=127.0.0.1:0"']) {
        const ran = spawnSync(process.execPath, [HELPER_BUNDLE, '--stdio'], {
          input: '',
          encoding: 'utf8',
          timeout: 30_000,
          env: { ...process.env, NODE_OPTIONS: nodeOptions },
        });
        expect(ran.status).toBe(1);
        expect(ran.stderr.trimEnd().split('\n').at(-1)).toMatch(
          /^syscall-trace: the helper does not start: Node's inspector is (asked for \(--inspect-port=0\)|open \(ws:)/,
        );
        expect(ran.stderr).not.toContain('loaded (');
      }
    },
  );
});

describe('the recorder, sent SIGUSR1 by root', () => {
  recorderTest(
    'before and after it is ready, opens no inspector, and goes on recording and serving',
    async ({ scratch, recorderFiles, spawnRecorder, connect }) => {
      const recorder = spawnRecorder();
      // Once its socket is there, before it loads its programs.
      await waitUntil('the socket bound', () => fs.existsSync(recorderFiles.socket));
      expect(sendSigusr1As(0, recorder.pid)).toBe(true);
      await recorder.ready;
      expect(sendSigusr1As(0, recorder.pid)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, INSPECTOR_WOULD_BE_OPEN_MS));

      expect(isAlive(recorder.pid)).toBe(true);
      expect(listeningTcpPortsOf(recorder.pid)).toEqual([]);
      const client = await connect();
      await client.initialize();
      await client.connection.sendRequest(StartRequest, { scope: { paths: [scratch] } });
      const files = deleteFiles(scratch, 3);
      await waitUntil(
        'the recorder hands on the deletions',
        () => files.every((file) => client.deletions.some((event) => event.path === file)),
        10_000,
      );
      expect(recorder.stderr()).not.toContain('Debugger listening');
    },
  );

  recorderTest('refuses to start where NODE_OPTIONS asks for the inspector', ({ recorderFiles }) => {
    const ran = spawnSync(
      process.execPath,
      [HELPER_BUNDLE, 'record', '--db', recorderFiles.database, '--socket', recorderFiles.socket],
      {
        encoding: 'utf8',
        timeout: 30_000,
        env: { ...process.env, NODE_OPTIONS: '--inspect-port=0' },
      },
    );
    expect(ran.status).toBe(1);
    expect(ran.stderr).toMatch(
      /^syscall-trace: the helper does not start: Node's inspector is asked for \(--inspect-port=0\)/,
    );
    expect(fs.existsSync(path.dirname(recorderFiles.socket))).toBe(false);
  });
});
