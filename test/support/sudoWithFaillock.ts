// sudo as a hardened machine has it, for one user and one test file: the
// user may run anything as root with their password (a sudoers drop-in of
// the test's that also logs, unwrapped, to a file of the test's), and sudo's
// PAM stack locks an account after 3 failed attempts (pam_faillock, deny=3,
// tallies in a directory of the test's). A test may change the user's rule
// (NOPASSWD, passprompt_override) and make the PAM stack stall before it asks
// anything. Removing it restores /etc/pam.d/sudo exactly.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const PAM_SUDO = '/etc/pam.d/sudo';
/**
 * Beside the original, so that a run that was killed leaves it where the next
 * run (or a person) finds it. One name for every test file that changes the
 * stack, so that each restores what another left.
 */
const PAM_SUDO_BACKUP = '/etc/pam.d/sudo.syscall-trace-e2e-original';
const DENY = 3;

export interface SudoRules {
  /** The user's rule is NOPASSWD: sudo asks nothing. */
  noPassword?: boolean;
  /** `Defaults:<user> passprompt_override`. */
  passpromptOverride?: boolean;
  /** `Defaults:<user> env_keep += "..."`: variables of the user's that sudo hands on to the command. */
  keepEnvironment?: string[];
}

export class SudoWithFaillock {
  private constructor(
    private readonly user: string,
    /** The sudoers drop-in, /etc/sudoers.d/<name>: one per test file, so that two never share one. */
    private readonly dropIn: string,
    /** sudo's log of this user's attempts. */
    readonly logFile: string,
    private readonly tallyDir: string,
  ) {}

  /**
   * Sets it up; `dir` (root's) receives the log and the tallies; `name` names
   * the drop-in (sudo skips names with a dot). What a killed run of the same
   * name left is removed first.
   */
  static install(user: string, dir: string, name: string): SudoWithFaillock {
    const sudo = new SudoWithFaillock(
      user,
      path.join('/etc/sudoers.d', name),
      path.join(dir, 'sudo.log'),
      path.join(dir, 'faillock'),
    );
    sudo.remove();
    fs.mkdirSync(sudo.tallyDir, { recursive: true, mode: 0o700 });
    try {
      sudo.setRules({});
      fs.copyFileSync(PAM_SUDO, PAM_SUDO_BACKUP);
      fs.writeFileSync(PAM_SUDO, pamStack(sudo.tallyDir));
    } catch (error) {
      sudo.remove();
      throw error;
    }
    return sudo;
  }

  /** Rewrites the user's sudoers rule; `{}`: with their password, sudo's own prompt rules. */
  setRules(rules: SudoRules): void {
    const defaults = [
      `logfile=${this.logFile}`,
      'loglinelen=0',
      ...(rules.passpromptOverride ? ['passprompt_override'] : []),
      ...(rules.keepEnvironment ? [`env_keep += "${rules.keepEnvironment.join(' ')}"`] : []),
    ];
    installSudoersDropIn(this.dropIn, [
      `# Syscall Trace's tests (test/support/sudoWithFaillock.ts); removed when the test ends.`,
      `Defaults:${this.user} ${defaults.join(', ')}`,
      `${this.user} ALL=(ALL) ${rules.noPassword ? 'NOPASSWD: ' : ''}ALL`,
    ]);
  }

  /**
   * Makes sudo's authentication spend `seconds` in a PAM module before
   * anything is asked, as a directory server out of reach would
   * (pam_exec running `/usr/bin/sleep <seconds>`, with the user's real
   * uid); undefined: no stall.
   */
  setAuthStall(seconds: number | undefined): void {
    fs.writeFileSync(PAM_SUDO, pamStack(this.tallyDir, seconds));
  }

  /** What sudo logged so far. */
  log(): string {
    return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8') : '';
  }

  /** Forgets what sudo logged so far: sudo makes the file again. */
  clearLog(): void {
    fs.rmSync(this.logFile, { force: true });
  }

  /** The failed attempts pam_faillock holds against the user now. */
  failures(): number {
    const listing = execFileSync('faillock', ['--dir', this.tallyDir, '--user', this.user], { encoding: 'utf8' });
    return listing.split('\n').filter((line) => /^\d{4}-\d\d-\d\d /.test(line)).length;
  }

  /** What an administrator does for a locked-out user. */
  resetFailures(): void {
    execFileSync('faillock', ['--dir', this.tallyDir, '--user', this.user, '--reset']);
  }

  /** Puts back what this test (or a killed run of it) changed. */
  remove(): void {
    fs.rmSync(this.dropIn, { force: true });
    if (fs.existsSync(PAM_SUDO_BACKUP)) {
      fs.copyFileSync(PAM_SUDO_BACKUP, PAM_SUDO);
      fs.rmSync(PAM_SUDO_BACKUP);
    }
  }
}

/** Written beside the drop-in first (sudo skips names with a dot), checked with visudo, then put in place. */
function installSudoersDropIn(dropIn: string, lines: string[]): void {
  const draft = `${dropIn}.draft`;
  fs.writeFileSync(draft, [...lines, ''].join('\n'), { mode: 0o440 });
  try {
    execFileSync('visudo', ['-cf', draft], { stdio: 'pipe' });
    fs.renameSync(draft, dropIn);
  } finally {
    fs.rmSync(draft, { force: true });
  }
}

/** Debian's /etc/pam.d/sudo with pam_faillock around pam_unix, as pam_faillock(8) shows it; first a stall, if asked for. */
function pamStack(tallyDir: string, stallSeconds?: number): string {
  const faillock = (mode: string) => `pam_faillock.so ${mode} deny=${DENY} dir=${tallyDir}`;
  return [
    '#%PAM-1.0',
    `# Syscall Trace's tests (test/support/sudoWithFaillock.ts): the original is ${path.basename(PAM_SUDO_BACKUP)}, restored when the test ends.`,
    'session    required   pam_limits.so',
    ...(stallSeconds === undefined ? [] : [`auth     optional   pam_exec.so quiet /usr/bin/sleep ${stallSeconds}`]),
    `auth     requisite  ${faillock('preauth')}`,
    'auth     [success=1 default=ignore]  pam_unix.so',
    `auth     [default=die]  ${faillock('authfail')}`,
    `auth     sufficient  ${faillock('authsucc')}`,
    'auth     requisite pam_deny.so',
    '@include common-account',
    '@include common-session-noninteractive',
    '',
  ].join('\n');
}
