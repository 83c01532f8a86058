// How to start the helper with the privileges that loading BPF needs. In
// order: an extension host that is already root starts it directly; pkexec
// where a polkit agent can ask for the password on the desktop; sudo with the
// password asked in VS Code; otherwise nothing works and the user is told why
// (docs/privileges.md, "Elevation").
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The `syscallTrace.elevation` setting. */
export type ElevationSetting = 'auto' | 'direct' | 'pkexec' | 'sudo';
export type ElevationMethod = 'direct' | 'pkexec' | 'sudo';

/**
 * The programs that run as root or make root, by absolute path only: a PATH
 * search could find a program anyone can replace. Each must be root's and
 * writable by root alone (trustedFiles.ts, fixedProgramProblem).
 */
export const SUDO = '/usr/bin/sudo';
export const PKEXEC = '/usr/bin/pkexec';
export const ENV = '/usr/bin/env';

export interface ElevationFacts {
  isRoot: boolean;
  /** Whether pkexec and sudo exist at their fixed paths (whether they may be run is checked when they are). */
  pkexecInstalled?: boolean;
  sudoInstalled?: boolean;
  polkitAgentRunning: boolean;
}

/** The methods to try, best first; empty when none can work. */
export function elevationMethods(setting: ElevationSetting, facts: ElevationFacts): ElevationMethod[] {
  if (setting !== 'auto') return [setting];
  if (facts.isRoot) return ['direct'];
  const methods: ElevationMethod[] = [];
  if (facts.pkexecInstalled === true && facts.polkitAgentRunning) methods.push('pkexec');
  if (facts.sudoInstalled === true) methods.push('sudo');
  return methods;
}

/**
 * What root is asked for, in the words of the messages that say why it could
 * not be had: the long-lived helper, or a one-shot command such as
 * installing the recorder.
 */
export interface ElevationPurpose {
  /** What needs root, a sentence's subject: "Tracing deletions". */
  needsRoot: string;
  /** What did not happen, the end of a sentence: "tracing did not start". */
  notDone: string;
  /** The start of a sentence that says how to get there after all: "To trace". */
  toDo: string;
  /** The same done from a terminal, where nothing in VS Code can elevate: "run the terminal command instead: sudo ...". */
  fromTerminal: string;
}

export const TRACING: ElevationPurpose = {
  needsRoot: 'Tracing deletions',
  notDone: 'tracing did not start',
  toDo: 'To trace',
  fromTerminal: 'run the terminal command instead: sudo node <extension>/dist/helper.js trace',
};

export function noElevationMessage(purpose: ElevationPurpose): string {
  return (
    `${purpose.needsRoot} needs root, and there is no way to ask for it here: the extension host is not root, ` +
    `no polkit authentication agent is running for pkexec, and there is no ${SUDO}. ` +
    'Install sudo (and add your user to the sudoers), run a polkit agent, or start VS Code as root; ' +
    `or ${purpose.fromTerminal}.`
  );
}

export const NO_ELEVATION_MESSAGE = noElevationMessage(TRACING);

export function elevationFacts(): ElevationFacts {
  return {
    isRoot: process.getuid?.() === 0,
    pkexecInstalled: fs.existsSync(PKEXEC),
    sudoInstalled: fs.existsSync(SUDO),
    polkitAgentRunning: polkitAgentRunning(),
  };
}

// Polkit agents register on the system bus, which a plain process cannot
// query without a D-Bus client; their process names are well known instead.
// GNOME Shell, Cinnamon and Budgie carry their own agent. (comm is at most 15 characters.)
const POLKIT_AGENTS =
  /^(polkit-.*agent|polkit-gnome-au|polkit-kde-auth|polkit-mate-aut|xfce-polkit|lxpolkit|lxqt-policykit|mate-polkit|gnome-shell|cinnamon|budgie-polkit|hyprpolkitagent)/;

/** Whether a process of this user looks like a polkit authentication agent. */
export function polkitAgentRunning(proc = '/proc', uid = process.getuid?.()): boolean {
  let entries: string[];
  try {
    entries = fs.readdirSync(proc);
  } catch {
    return false;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (uid !== undefined && fs.statSync(path.join(proc, entry)).uid !== uid) continue;
      if (POLKIT_AGENTS.test(fs.readFileSync(path.join(proc, entry, 'comm'), 'utf8').trim())) return true;
    } catch {
      // the process ended while we looked
    }
  }
  return false;
}
