import { describe, expect, it } from 'vitest';

import { checkRecorderSocket, type SocketStatus } from '../../../../extension/recorder/trustedSocket';

const PERSON = 1000;
/** The recorder's system account. */
const RECORDER = 990;

interface Entry {
  uid: number;
  mode: number;
  socket?: boolean;
}

/** A file system of a few entries: directories unless `socket`; `links` map a path to its real path. */
function fileSystem(entries: Record<string, Entry>, links: Record<string, string> = {}) {
  return {
    personUid: PERSON,
    stat: (file: string): SocketStatus => {
      const entry = entries[file];
      if (entry === undefined) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
      return {
        uid: entry.uid,
        mode: entry.mode,
        isSocket: () => entry.socket === true,
        isDirectory: () => entry.socket !== true,
      };
    },
    realpath: (file: string): string => {
      const real = links[file] ?? file;
      if (entries[real] === undefined) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
      return real;
    },
  };
}

const system: Record<string, Entry> = {
  '/': { uid: 0, mode: 0o755 },
  '/run': { uid: 0, mode: 0o755 },
  '/run/syscall-trace': { uid: 0, mode: 0o755 },
  '/run/syscall-trace/recorder.sock': { uid: 0, mode: 0o666, socket: true },
  '/tmp': { uid: 0, mode: 0o1777 },
  '/tmp/mine': { uid: PERSON, mode: 0o700 },
  '/tmp/mine/recorder.sock': { uid: 0, mode: 0o666, socket: true },
  '/tmp/shared': { uid: 0, mode: 0o777 },
  '/tmp/shared/recorder.sock': { uid: 0, mode: 0o666, socket: true },
  '/tmp/other': { uid: 1001, mode: 0o755 },
  '/tmp/other/recorder.sock': { uid: 0, mode: 0o666, socket: true },
  '/tmp/fake.sock': { uid: 1001, mode: 0o666, socket: true },
  '/tmp/file': { uid: 0, mode: 0o644 },
  '/run/recorder-account': { uid: RECORDER, mode: 0o755 },
  '/run/recorder-account/recorder.sock': { uid: RECORDER, mode: 0o666, socket: true },
};

describe('whether a socket is the recorder’s', () => {
  it('takes root’s socket in root’s directories', () => {
    expect(checkRecorderSocket('/run/syscall-trace/recorder.sock', fileSystem(system))).toEqual({
      usable: true,
      path: '/run/syscall-trace/recorder.sock',
    });
  });

  it('takes root’s socket in the person’s own directory inside a sticky one', () => {
    expect(checkRecorderSocket('/tmp/mine/recorder.sock', fileSystem(system))).toMatchObject({ usable: true });
  });

  it('connects to the real path that it checked', () => {
    expect(
      checkRecorderSocket(
        '/tmp/link.sock',
        fileSystem(system, { '/tmp/link.sock': '/run/syscall-trace/recorder.sock' }),
      ),
    ).toEqual({
      usable: true,
      path: '/run/syscall-trace/recorder.sock',
    });
  });

  it('takes the socket of the recorder’s account in that account’s directory, where the system has the account', () => {
    const socket = '/run/recorder-account/recorder.sock';
    expect(checkRecorderSocket(socket, { ...fileSystem(system), recorderUid: RECORDER })).toEqual({
      usable: true,
      path: socket,
    });
    expect(checkRecorderSocket(socket, fileSystem(system))).toMatchObject({
      usable: false,
      reason: expect.stringContaining(`uid ${RECORDER}, not root nor the recorder's account`),
    });
  });

  it('finds no recorder, without a word to the person, where nothing is there', () => {
    expect(checkRecorderSocket('/run/nothing.sock', fileSystem(system))).toMatchObject({
      usable: false,
      missing: true,
    });
  });

  it('refuses a socket of another user’s: it could tell anything', () => {
    expect(checkRecorderSocket('/tmp/fake.sock', fileSystem(system))).toMatchObject({
      usable: false,
      missing: false,
      reason: expect.stringContaining('uid 1001, not root nor the recorder'),
    });
  });

  it('refuses a socket in a directory that others can write, or that another user owns', () => {
    expect(checkRecorderSocket('/tmp/shared/recorder.sock', fileSystem(system))).toMatchObject({
      usable: false,
      reason: expect.stringContaining('/tmp/shared'),
    });
    expect(checkRecorderSocket('/tmp/other/recorder.sock', fileSystem(system))).toMatchObject({
      usable: false,
      reason: expect.stringContaining('uid 1001'),
    });
  });

  it('refuses what is not a socket, and a relative path', () => {
    expect(checkRecorderSocket('/tmp/file', fileSystem(system))).toMatchObject({
      usable: false,
      reason: '/tmp/file is not a socket',
    });
    expect(checkRecorderSocket('recorder.sock', fileSystem(system))).toMatchObject({ usable: false, missing: false });
  });
});
