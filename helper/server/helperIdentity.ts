// The answer to `initialize`, the same from the stdio helper and from the
// recorder's socket (docs/wire-protocol.md, "Types"): who this helper is, on which
// kernel, in which mode, and what it cannot see.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ResponseError } from 'vscode-jsonrpc/node';

import * as protocol from '../../common/protocol';
import type { DeletionTracer } from '../tracing/deletionTracer';
import { validateInitialize } from './validation';

/** Checks `initialize`'s params against the mode this helper was started with, and answers it. */
export function answerInitialize(params: unknown, tracer: DeletionTracer): protocol.InitializeResult {
  const { attachMode } = validateInitialize(params);
  if (attachMode !== undefined && attachMode !== tracer.modeChoice) {
    throw wrongState(
      `initialize: this helper was started in ${tracer.modeChoice} mode (--mode); start another with --mode ${attachMode}`,
    );
  }
  return {
    protocolVersion: protocol.PROTOCOL_VERSION,
    helperVersion: helperVersion(),
    kernelRelease: os.release(),
    arch: os.machine(),
    pid: process.pid,
    modeChoice: tracer.modeChoice,
    attachMode: tracer.attachMode,
    programSet: tracer.programSet,
    unseen: tracer.unseen,
    mountNamespace: ownMountNamespace(),
  };
}

export function wrongState(message: string): ResponseError<void> {
  return new ResponseError(protocol.HelperErrorCodes.WrongState, message);
}

/**
 * The version in package.json: beside the bundle where it is installed
 * (/usr/local/lib/syscall-trace/), one folder up in a checkout or the
 * extension (dist/helper.js), two up from this source file (tests run it).
 */
export function helperVersion(): string {
  for (const manifest of [
    path.join(__dirname, 'package.json'),
    path.join(__dirname, '..', 'package.json'),
    path.join(__dirname, '..', '..', 'package.json'),
  ]) {
    try {
      const { name, version } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: unknown; version?: unknown };
      if (name === 'syscall-trace' && typeof version === 'string') return version;
    } catch {
      // not there: the next place
    }
  }
  return 'unknown';
}

/** The inode number of the helper's own mount namespace: the host's. */
export function ownMountNamespace(): number {
  return fs.statSync('/proc/self/ns/mnt').ino;
}
