// The extension's start of the helper through sudo, as an ordinary user runs
// it, with no VS Code: sudoStartup.test.ts bundles this file (esbuild) and
// runs it as its test user. It reads one scenario (JSON) from stdin, so that
// no password is ever on a command line, calls the real launchHelper (or
// startHelper alone, with a patience a test can wait for) with the real
// /usr/bin/sudo, answers the password box and the retry offer from the
// scenario, and writes one JSON line (DriverResult) to stdout.
// (sudoStartupScenario.ts holds what the test and this program share.)
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';

import { DEFAULT_MODE_CHOICE, type DeletionEvent } from '../../common/protocol';
import { HelperConnection, HelperEndedError } from '../../extension/launch/helperConnection';
import { launchHelper } from '../../extension/launch/helperLauncher';
import { helperCommandLine } from '../../extension/launch/helperProcess';
import { startHelper, StartupTimeoutError } from '../../extension/launch/helperStartup';
import { LaunchError } from '../../extension/launch/launchError';
import { explainTimeout, type DriverResult, type DriverScenario } from './sudoStartupScenario';

async function main(): Promise<void> {
  const scenario = JSON.parse(fs.readFileSync(0, 'utf8')) as DriverScenario;
  Object.assign(process.env, scenario.extensionHostEnvironment);
  const passwords = [...scenario.passwords];
  const retries = [...scenario.retries];
  const result: DriverResult = {
    startedAt: Date.now(),
    passwordAsked: [],
    retryOffered: [],
    settledAt: 0,
    outcome: { ready: true },
    log: [],
  };
  const deletions: DeletionEvent[] = [];
  const askSudoPassword = (): Promise<string | undefined> => {
    const at = Date.now();
    const answer = passwords.shift() ?? undefined;
    result.passwordAsked.push({ at, answeredAt: Date.now(), cancelled: answer === undefined });
    return Promise.resolve(answer);
  };
  const offerSudoRetry = (): Promise<boolean> => {
    const answer = retries.shift() ?? false;
    result.retryOffered.push({ at: Date.now(), answer });
    return Promise.resolve(answer);
  };
  const log = (line: string): void => {
    result.log.push(line);
  };
  const runtime = { execPath: process.execPath, helperScript: scenario.helperScript };

  let connection: HelperConnection | undefined;
  try {
    if (scenario.entry === 'launchHelper') {
      connection = await launchHelper({
        setting: 'sudo',
        facts: { isRoot: false, sudoInstalled: true, polkitAgentRunning: false },
        runtime,
        askSudoPassword,
        offerSudoRetry,
        listener: { onDeletions: (events) => deletions.push(...events), onLost: () => undefined },
        log,
      });
    } else {
      const resolved = {
        execPath: fs.realpathSync(runtime.execPath),
        helperScript: fs.realpathSync(runtime.helperScript),
      };
      const password = await askSudoPassword();
      const helper = await startHelper(helperCommandLine('sudo', resolved, DEFAULT_MODE_CHOICE), {
        answersSudo: true,
        password,
        dialogs: { askPassword: askSudoPassword, offerRetry: offerSudoRetry },
        log,
        patience: { ms: scenario.patienceMs ?? 3000, explain: explainTimeout },
      });
      await helper.end();
    }
    result.settledAt = Date.now();
  } catch (error) {
    result.settledAt = Date.now();
    result.outcome = { ready: false, error: errorClass(error), message: (error as Error).message };
  }

  if (connection !== undefined) {
    try {
      result.info = connection.info;
      const status = fs.readFileSync(`/proc/${connection.info.pid}/status`, 'utf8');
      const field = (name: string): string => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)![1];
      result.status = { uid: field('Uid'), gid: field('Gid'), capEff: field('CapEff') };
      if (scenario.fileToDelete !== undefined)
        result.deletion = await traceOneDeletion(connection, scenario.fileToDelete, deletions);
    } finally {
      await connection.close();
    }
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Traces the file's directory, deletes the file with rm, and waits (10 s at most) for its deletion. */
async function traceOneDeletion(
  connection: HelperConnection,
  file: string,
  deletions: DeletionEvent[],
): Promise<DriverResult['deletion']> {
  await connection.start({ paths: [file.slice(0, file.lastIndexOf('/'))] }, false);
  const rm = spawn('rm', [file], { stdio: 'ignore' });
  const rmPid = rm.pid!;
  await new Promise((resolve) => rm.once('close', resolve));
  for (
    const deadline = Date.now() + 10_000;
    Date.now() < deadline;
    await new Promise((resolve) => setTimeout(resolve, 20))
  ) {
    const event = deletions.find((candidate) => candidate.path === file && candidate.pid === rmPid);
    if (event !== undefined) return { event, rmPid };
  }
  return undefined;
}

function errorClass(error: unknown): Exclude<DriverResult['outcome'], { ready: true }>['error'] {
  if (error instanceof LaunchError) return 'LaunchError';
  if (error instanceof HelperEndedError) return 'HelperEndedError';
  if (error instanceof StartupTimeoutError) return 'StartupTimeoutError';
  return 'Error';
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
