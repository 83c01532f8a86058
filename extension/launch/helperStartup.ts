// From a spawned helper to one that reads JSON-RPC: waits for its ready line
// on stderr, answering sudo's password prompts on the way as a terminal would
// (a refused password may be typed again into the same sudo, which counts the
// attempts itself). Nothing but the password is written to stdin before the
// ready line: until then stdin is sudo's, and the helper is still root.
// A one-shot command (installing the recorder) has the same conversation with
// sudo, and is waited for until it ends instead.
import { TRACING, type ElevationPurpose } from './elevation';
import { HelperEndedError } from './helperConnection';
import { HelperProcess, type HelperCommandLine, type HelperExit } from './helperProcess';
import { LaunchError } from './launchError';
import { StartupConversation, SUDO_PROMPT_MARKER, type StartupEvent } from './startupConversation';

export interface PasswordDialogs {
  /** The password box; undefined when cancelled. */
  askPassword(): Promise<string | undefined>;
  /** Says that sudo did not accept the password; true when the person wants to type it again. */
  offerRetry(): Promise<boolean>;
}

export interface StartupOptions {
  /** sudo: its prompts are answered; otherwise only the ready line is awaited. */
  answersSudo: boolean;
  /** The password asked before sudo was started, if it was: written at sudo's first prompt, then forgotten. */
  password?: string;
  dialogs: PasswordDialogs;
  /** Sentences for the log: the helper's stderr lines (never the prompt), and what happens. */
  log(line: string): void;
  progress?(message: string): void;
  /** How long to wait while nobody is being asked anything, and what to say when that runs out. */
  patience: Patience;
  /** What root is for, in the messages; absent: tracing. */
  purpose?: ElevationPurpose;
  /** What the progress says once the password has gone to sudo; absent: the helper loading its programs. */
  progressAfterPassword?: string;
}

export interface Patience {
  ms: number;
  /** Why nothing came: `afterPassword` tells whether a password has been written to sudo. */
  explain(afterPassword: boolean): string;
}

export const noPasswordMessage = (purpose: ElevationPurpose): string => `No password was given: ${purpose.notDone}.`;
export const passwordRefusedMessage = (purpose: ElevationPurpose): string =>
  `sudo did not accept the password: ${purpose.notDone}.`;
export const NO_PASSWORD_MESSAGE = noPasswordMessage(TRACING);
export const PASSWORD_REFUSED_MESSAGE = passwordRefusedMessage(TRACING);

/**
 * How long sudo may take to end once its stdin is closed at a prompt before
 * it is signalled: PAM's fail delay (about 2 s) passes first, and then it
 * logs the attempts it counted.
 */
const SUDO_ENDING_MS = 15_000;

/** The helper, or what started it, ran out of the patience it was given. */
export class StartupTimeoutError extends Error {}

/**
 * How long a failed start waits for sudo to end before the person is told:
 * sudo holds SIGTERM while it is inside PAM (a module waiting on a directory
 * server, say), and the person must not wait on that. It ends once PAM
 * returns, at its prompt, whose stdin is closed by then.
 */
const ENDING_BEFORE_REPORT_MS = 2_000;

/** Spawns the helper and resolves once it reads JSON-RPC; a failure starts ending it first. */
export async function startHelper(commandLine: HelperCommandLine, options: StartupOptions): Promise<HelperProcess> {
  const startup = new HelperStartup(commandLine, options, 'ready');
  await settled(startup);
  return startup.helper;
}

/** How a one-shot command ended, and what it wrote. */
export interface CompletedCommand {
  exit: HelperExit;
  /** Everything it wrote to stdout. */
  stdout: string;
  /** Its last lines on stderr (sudo's prompts left out). */
  stderrLines: readonly string[];
}

/**
 * Spawns a one-shot command, answers sudo as startHelper does, and resolves
 * once the command has ended, whatever its status: the caller reads it. Its
 * stdout lines go to the log, as its stderr lines do. A patience that runs
 * out, or a password not given, rejects, and starts ending it first.
 */
export async function runToCompletion(
  commandLine: HelperCommandLine,
  options: StartupOptions,
): Promise<CompletedCommand> {
  const startup = new HelperStartup(commandLine, options, 'exit');
  let stdout = '';
  let partialLine = '';
  const { child } = startup.helper;
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
    const lines = (partialLine + chunk).split('\n');
    partialLine = lines.pop()!;
    for (const line of lines) options.log(`[helper] ${line}`);
  });
  await settled(startup);
  const exit = await startup.helper.exited;
  if (partialLine !== '') options.log(`[helper] ${partialLine}`);
  return { exit, stdout, stderrLines: startup.helper.lastStderrLines };
}

/** Waits for the startup's outcome; a failure ends the process (2 s at most) before it is reported. */
async function settled(startup: HelperStartup): Promise<void> {
  try {
    await startup.outcome;
  } catch (error) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      startup.helper.end(),
      new Promise((resolve) => (timer = setTimeout(resolve, ENDING_BEFORE_REPORT_MS))),
    ]);
    clearTimeout(timer);
    throw error;
  }
}

class HelperStartup {
  readonly helper: HelperProcess;
  /** Resolves when the goal is reached: the helper's ready line, or the command's end. */
  readonly outcome: Promise<void>;
  private readonly purpose: ElevationPurpose;
  private readonly conversation: StartupConversation;
  private password: string | undefined;
  private passwordWritten = false;
  /** Set once the outcome is known: later events and answers from dialogs change nothing. */
  private settled = false;
  private timer: NodeJS.Timeout | undefined;
  private resolveOutcome!: () => void;
  private rejectOutcome!: (error: Error) => void;

  constructor(
    commandLine: HelperCommandLine,
    private readonly options: StartupOptions,
    /** 'ready': the long-lived helper, until its ready line; 'exit': a one-shot command, until it ends. */
    private readonly goal: 'ready' | 'exit',
  ) {
    this.password = options.password;
    this.purpose = options.purpose ?? TRACING;
    this.conversation = new StartupConversation(options.answersSudo ? SUDO_PROMPT_MARKER : undefined);
    this.outcome = new Promise((resolve, reject) => {
      this.resolveOutcome = resolve;
      this.rejectOutcome = reject;
    });
    this.helper = HelperProcess.spawn(commandLine, {
      onLine: (line) => options.log(`[helper] ${line}`),
      onChunk: (chunk) => {
        if (!this.conversation.isReady) this.onEvents(this.conversation.feed(chunk));
      },
      ...(options.answersSudo && { quietText: SUDO_PROMPT_MARKER }),
    });
    void this.helper.exited.then((exit) => {
      if (this.goal === 'ready') this.fail(new HelperEndedError(exit.code, this.helper.lastStderrLines));
      else if (!this.settled) {
        this.settle();
        this.resolveOutcome();
      }
    });
    this.wait();
  }

  private onEvents(events: StartupEvent[]): void {
    for (const event of events) {
      if (this.settled) return;
      if (event.kind === 'ready') {
        // A one-shot command has no ready line: its end is what is awaited.
        if (this.goal === 'exit') continue;
        this.settle();
        this.resolveOutcome();
        return;
      }
      this.stopWaiting();
      this.answer(event.attempt).catch((error: Error) => this.fail(error));
    }
  }

  private async answer(attempt: number): Promise<void> {
    const { dialogs, log } = this.options;
    if (attempt > 1) {
      log('sudo did not accept the password');
      const again = await dialogs.offerRetry();
      if (this.settled) return;
      if (!again) return this.giveUp(passwordRefusedMessage(this.purpose));
    } else {
      log('sudo asks for the password');
    }
    let password = this.password;
    this.password = undefined;
    password ??= await dialogs.askPassword();
    if (this.settled) return;
    if (password === undefined)
      return this.giveUp(attempt > 1 ? passwordRefusedMessage(this.purpose) : noPasswordMessage(this.purpose));
    this.helper.child.stdin.write(`${password}\n`);
    this.passwordWritten = true;
    this.options.progress?.(this.options.progressAfterPassword ?? 'Loading the BPF programs…');
    this.wait();
  }

  /** Closes sudo's stdin, which ends it at its prompt, and reports once it has ended. */
  private async giveUp(message: string): Promise<void> {
    this.settle();
    this.options.log(message);
    await this.helper.end(SUDO_ENDING_MS);
    this.rejectOutcome(new LaunchError(message));
  }

  private fail(error: Error): void {
    if (this.settled) return;
    this.settle();
    this.rejectOutcome(error);
  }

  private wait(): void {
    this.stopWaiting();
    const { patience } = this.options;
    this.timer = setTimeout(
      () => this.fail(new StartupTimeoutError(patience.explain(this.passwordWritten))),
      patience.ms,
    );
  }

  private stopWaiting(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private settle(): void {
    this.settled = true;
    this.password = undefined;
    this.stopWaiting();
  }
}
