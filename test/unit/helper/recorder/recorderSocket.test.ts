// The recorder's socket file is 0666 from the moment bind() makes it, under
// the unit's umask of 0077 too: another user who connects to it at once
// finds what every later moment shows, and there is no chmod() by path
// afterwards, when the path might name another file. Its mode is read the
// instant listen() returns, which is when Node has bound it.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { bindRecorderSocket } from '../../../../helper/recorder/recorderSocket';

let scratch: string;
let umaskBefore: number;
const servers: net.Server[] = [];

beforeEach(() => {
  scratch = fs.mkdtempSync('/run/syscall-trace-socket-');
  umaskBefore = process.umask(0o077);
});
afterEach(() => {
  vi.restoreAllMocks();
  for (const server of servers.splice(0)) server.close();
  process.umask(umaskBefore);
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe('the recorder’s socket file', () => {
  it('is 0666 from the moment it is bound, under a umask of 0077', async () => {
    const socketPath = path.join(scratch, 'recorder.sock');
    const listen = net.Server.prototype.listen;
    const modesAtBind: string[] = [];
    vi.spyOn(net.Server.prototype, 'listen').mockImplementation(function (this: net.Server, ...args: unknown[]) {
      const listening = (listen as (...given: unknown[]) => net.Server).apply(this, args);
      modesAtBind.push((fs.lstatSync(socketPath).mode & 0o7777).toString(8));
      return listening;
    });

    servers.push(await bindRecorderSocket(socketPath));

    expect(modesAtBind).toEqual(['666']);
    expect((fs.lstatSync(socketPath).mode & 0o7777).toString(8)).toBe('666');
  });

  it('leaves the process’s umask as it found it', async () => {
    servers.push(await bindRecorderSocket(path.join(scratch, 'recorder.sock')));
    expect(process.umask(0o077)).toBe(0o077);
  });
});
