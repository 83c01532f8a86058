// What a starting helper's stderr says before the helper takes JSON-RPC:
// sudo asking for the password (our own prompt, the marker) and the helper's
// ready line (common/protocol.ts). Recognition rests on these two texts only,
// never on sudo's own words ("Sorry, try again." is translated), and works
// however the chunks are cut: sudo writes the prompt without a newline, and
// the helper's first line follows it on the same line.
import { HELPER_READY_LINE } from '../../common/protocol';

/**
 * The prompt sudo is told to write (`sudo -p`). It holds no `%`, which sudo
 * would expand, and reads as ours in a log.
 */
export const SUDO_PROMPT_MARKER = '[syscall-trace:sudo-password]';

export type StartupEvent =
  /** sudo asks for the password; `attempt` 1 is the first time, any later one means the last password was refused. */
  | { kind: 'passwordPrompt'; attempt: number }
  /** The helper has loaded its programs, dropped its privileges, and now reads stdin. */
  | { kind: 'ready' };

export class StartupConversation {
  private prompts = 0;
  /** How much of the marker the text just before this point matched. */
  private markerMatched = 0;
  /** The current line with the markers taken out, kept only as long as it could still be the ready line. */
  private line = '';
  private lineTooLong = false;
  private ready = false;

  /** `marker`: the prompt to look for; undefined where nothing asks for a password (pkexec, direct). */
  constructor(private readonly marker: string | undefined) {
    if (marker !== undefined && (marker === '' || marker.slice(1).includes(marker[0]))) {
      // The scanner restarts at a mismatch without backtracking, which is right only when the marker's first character occurs nowhere else in it.
      throw new Error(`the prompt marker must not repeat its first character: ${marker}`);
    }
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** Reads the next piece of stderr; returns what it completed. After the ready line nothing more is reported. */
  feed(chunk: string): StartupEvent[] {
    const events: StartupEvent[] = [];
    for (const character of chunk) {
      if (this.ready) break;
      this.read(character, events);
    }
    return events;
  }

  private read(character: string, events: StartupEvent[]): void {
    const marker = this.marker;
    if (marker !== undefined) {
      if (character === marker[this.markerMatched]) {
        this.markerMatched++;
        if (this.markerMatched === marker.length) {
          this.markerMatched = 0;
          this.prompts++;
          events.push({ kind: 'passwordPrompt', attempt: this.prompts });
        }
        return;
      }
      // What looked like the start of the marker was text after all.
      for (const held of marker.slice(0, this.markerMatched)) this.addToLine(held, events);
      this.markerMatched = 0;
      if (character === marker[0]) {
        this.markerMatched = 1;
        return;
      }
    }
    this.addToLine(character, events);
  }

  private addToLine(character: string, events: StartupEvent[]): void {
    if (character !== '\n') {
      if (this.line.length > HELPER_READY_LINE.length) this.lineTooLong = true;
      else this.line += character;
      return;
    }
    const line = this.line.endsWith('\r') ? this.line.slice(0, -1) : this.line;
    if (!this.lineTooLong && line === HELPER_READY_LINE) {
      this.ready = true;
      events.push({ kind: 'ready' });
    }
    this.line = '';
    this.lineTooLong = false;
  }
}
