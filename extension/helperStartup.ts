// From a spawned helper to one that reads JSON-RPC: waits for its ready line
// on stderr, answering sudo's password prompts on the way as a terminal would
// (a refused password may be typed again into the same sudo, which counts the
// attempts itself). Nothing but the password is written to stdin before the
// ready line: until then stdin is sudo's, and the helper is still root.
import { HelperEndedError } from './helperConnection';
import { HelperProcess, type HelperCommandLine } from './helperProcess';
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
}

export interface Patience {
  ms: number;
  /** Why nothing came: `afterPassword` tells whether a password has been written to sudo. */
  explain(afterPassword: boolean): string;
}

export const NO_PASSWORD_MESSAGE = 'No password was given: tracing did not start.';
export const PASSWORD_REFUSED_MESSAGE = 'sudo did not accept the password: tracing did not start.';

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
  const startup = new HelperStartup(commandLine, options);
  try {
    await startup.ready;
    return startup.helper;
  } catch (error) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([startup.helper.end(), new Promise((resolve) => (timer = setTimeout(resolve, ENDING_BEFORE_REPORT_MS)))]);
    clearTimeout(timer);
    throw error;
  }
}

class HelperStartup {
  readonly helper: HelperProcess;
  readonly ready: Promise<void>;
  private readonly conversation: StartupConversation;
  private password: string | undefined;
  private passwordWritten = false;
  /** Set once the outcome is known: later events and answers from dialogs change nothing. */
  private settled = false;
  private timer: NodeJS.Timeout | undefined;
  private resolveReady!: () => void;
  private rejectReady!: (error: Error) => void;

  constructor(
    commandLine: HelperCommandLine,
    private readonly options: StartupOptions,
  ) {
    this.password = options.password;
    this.conversation = new StartupConversation(options.answersSudo ? SUDO_PROMPT_MARKER : undefined);
    this.ready = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.helper = HelperProcess.spawn(commandLine, {
      onLine: (line) => options.log(`[helper] ${line}`),
      onChunk: (chunk) => {
        if (!this.conversation.isReady) this.onEvents(this.conversation.feed(chunk));
      },
      ...(options.answersSudo && { quietText: SUDO_PROMPT_MARKER }),
    });
    void this.helper.exited.then((exit) => this.fail(new HelperEndedError(exit.code, this.helper.lastStderrLines)));
    this.wait();
  }

  private onEvents(events: StartupEvent[]): void {
    for (const event of events) {
      if (this.settled) return;
      if (event.kind === 'ready') {
        this.settle();
        this.resolveReady();
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
      if (!again) return this.giveUp(PASSWORD_REFUSED_MESSAGE);
    } else {
      log('sudo asks for the password');
    }
    let password = this.password;
    this.password = undefined;
    password ??= await dialogs.askPassword();
    if (this.settled) return;
    if (password === undefined) return this.giveUp(attempt > 1 ? PASSWORD_REFUSED_MESSAGE : NO_PASSWORD_MESSAGE);
    this.helper.child.stdin.write(`${password}\n`);
    this.passwordWritten = true;
    this.options.progress?.('Loading the BPF programs…');
    this.wait();
  }

  /** Closes sudo's stdin, which ends it at its prompt, and reports once it has ended. */
  private async giveUp(message: string): Promise<void> {
    this.settle();
    this.options.log(message);
    await this.helper.end(SUDO_ENDING_MS);
    this.rejectReady(new LaunchError(message));
  }

  private fail(error: Error): void {
    if (this.settled) return;
    this.settle();
    this.rejectReady(error);
  }

  private wait(): void {
    this.stopWaiting();
    const { patience } = this.options;
    this.timer = setTimeout(() => this.fail(new StartupTimeoutError(patience.explain(this.passwordWritten))), patience.ms);
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
