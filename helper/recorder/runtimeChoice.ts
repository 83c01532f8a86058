// The runtime the installed recorder runs with (docs/flight-recorder.md,
// "Installing"). The service runs as root, so its runtime must be a file
// only root can change: the system's Node where it has one, recent enough
// and root's alone; otherwise a copy, made root's, of the runtime the
// extension runs the helper with (`--runtime`).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { messageOf } from '../../common/errors';

/** The oldest Node the helper is built for (esbuild's --target=node20). */
export const MINIMUM_NODE_MAJOR = 20;
/** Where a system keeps its Node, as the installed system sees it. */
export const SYSTEM_NODE_CANDIDATES = ['/usr/bin/node', '/usr/local/bin/node'];
/**
 * How long a runtime may take to say its version before it is taken to run
 * no Node: ample for a cold start from a slow disk, and a runtime that hangs
 * does not hold up `install` for good.
 */
const VERSION_TIMEOUT_MS = 20_000;

/** Why `file` cannot be trusted to run as root, or undefined where it can: root's, and not writable by group or others. */
export function untrustedBecause(file: string): string | undefined {
  let link: fs.Stats;
  let target: fs.Stats;
  try {
    link = fs.lstatSync(file);
    target = fs.statSync(file);
  } catch (error) {
    return messageOf(error);
  }
  if (!target.isFile()) return `${file} is not a file`;
  if (link.uid !== 0 || target.uid !== 0) return `${file} is not owned by root`;
  if ((target.mode & 0o022) !== 0)
    return `${file} may be changed by users other than root (mode ${(target.mode & 0o777).toString(8)})`;
  return undefined;
}

/** The version of Node that `runtime` runs ("20.20.2"), or undefined where it runs none. */
export function nodeVersionOf(runtime: string): string | undefined {
  try {
    const version = execFileSync(runtime, ['-p', 'process.versions.node'], {
      encoding: 'utf8',
      env: { ELECTRON_RUN_AS_NODE: '1', PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: VERSION_TIMEOUT_MS,
    }).trim();
    return /^\d+\.\d+\.\d+/.test(version) ? version : undefined;
  } catch {
    return undefined;
  }
}

export function recentEnough(version: string): boolean {
  return Number(version.split('.')[0]) >= MINIMUM_NODE_MAJOR;
}

export interface SystemNode {
  /** As the installed system sees it. */
  path: string;
  version: string;
}

/** The system's Node, where one of the candidates under `root` is root's alone and recent enough. */
export function systemNode(underRoot: (file: string) => string): SystemNode | undefined {
  for (const candidate of SYSTEM_NODE_CANDIDATES) {
    const file = underRoot(candidate);
    if (!fs.existsSync(file) || untrustedBecause(file) !== undefined) continue;
    const version = nodeVersionOf(file);
    if (version !== undefined && recentEnough(version)) return { path: candidate, version };
  }
  return undefined;
}
