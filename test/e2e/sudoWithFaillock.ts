// sudo as a hardened machine has it, for one user and one test: the user may
// run anything as root with their password (a sudoers drop-in that also
// logs, unwrapped, to a file of the test's), and sudo's PAM stack locks an
// account after 3 failed attempts (pam_faillock, deny=3, tallies in a
// directory of the test's). Removing it restores /etc/pam.d/sudo exactly.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const SUDOERS_DROP_IN = '/etc/sudoers.d/syscall-trace-e2e';
const PAM_SUDO = '/etc/pam.d/sudo';
/** Beside the original, so that a run that was killed leaves it where the next run (or a person) finds it. */
const PAM_SUDO_BACKUP = '/etc/pam.d/sudo.syscall-trace-e2e-original';
const DENY = 3;

export class SudoWithFaillock {
  private constructor(
    private readonly user: string,
    /** sudo's log of this user's attempts. */
    readonly logFile: string,
    private readonly tallyDir: string,
  ) {}

  /** Sets it up; `dir` (root's) receives the log and the tallies. */
  static install(user: string, dir: string): SudoWithFaillock {
    restoreLeftovers();
    const sudo = new SudoWithFaillock(user, path.join(dir, 'sudo.log'), path.join(dir, 'faillock'));
    fs.mkdirSync(sudo.tallyDir, { recursive: true, mode: 0o700 });
    try {
      installSudoersDropIn(user, sudo.logFile);
      fs.copyFileSync(PAM_SUDO, PAM_SUDO_BACKUP);
      fs.writeFileSync(PAM_SUDO, pamStack(sudo.tallyDir));
    } catch (error) {
      restoreLeftovers();
      throw error;
    }
    return sudo;
  }

  /** What sudo logged so far. */
  log(): string {
    return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8') : '';
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

  remove(): void {
    restoreLeftovers();
  }
}

/** Written beside the drop-in first (sudo skips names with a dot), checked with visudo, then put in place. */
function installSudoersDropIn(user: string, logFile: string): void {
  const draft = `${SUDOERS_DROP_IN}.draft`;
  fs.writeFileSync(
    draft,
    [
      "# Syscall Trace's end-to-end test (test/e2e/sudoWithFaillock.ts); removed when the test ends.",
      `Defaults:${user} logfile=${logFile}, loglinelen=0`,
      `${user} ALL=(ALL) ALL`,
      '',
    ].join('\n'),
    { mode: 0o440 },
  );
  try {
    execFileSync('visudo', ['-cf', draft], { stdio: 'pipe' });
    fs.renameSync(draft, SUDOERS_DROP_IN);
  } finally {
    fs.rmSync(draft, { force: true });
  }
}

/** Debian's /etc/pam.d/sudo with pam_faillock around pam_unix, as pam_faillock(8) shows it. */
function pamStack(tallyDir: string): string {
  const faillock = (mode: string) => `pam_faillock.so ${mode} deny=${DENY} dir=${tallyDir}`;
  return [
    '#%PAM-1.0',
    "# Syscall Trace's end-to-end test (test/e2e/sudoWithFaillock.ts): the original is sudo.syscall-trace-e2e-original, restored when the test ends.",
    'session    required   pam_limits.so',
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

/** Puts back what a test (this one, or one that was killed) changed. */
function restoreLeftovers(): void {
  fs.rmSync(SUDOERS_DROP_IN, { force: true });
  if (fs.existsSync(PAM_SUDO_BACKUP)) {
    fs.copyFileSync(PAM_SUDO_BACKUP, PAM_SUDO);
    fs.rmSync(PAM_SUDO_BACKUP);
  }
}
