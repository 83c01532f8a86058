import { describe, expect, it } from 'vitest';

import { HELPER_READY_LINE } from '../../../../common/protocol';
import {
  StartupConversation,
  SUDO_PROMPT_MARKER,
  type StartupEvent,
} from '../../../../extension/launch/startupConversation';

/** Feeds `chunks` in order and returns every event, in order. */
function events(chunks: string[], conversation = new StartupConversation(SUDO_PROMPT_MARKER)): StartupEvent[] {
  return chunks.flatMap((chunk) => conversation.feed(chunk));
}

/** Every way of cutting `text` in two, and one character at a time. */
function cuts(text: string): string[][] {
  const all = [[...text]];
  for (let i = 1; i < text.length; i++) all.push([text.slice(0, i), text.slice(i)]);
  return all;
}

const prompt = (attempt: number): StartupEvent => ({ kind: 'passwordPrompt', attempt });
const ready: StartupEvent = { kind: 'ready' };

describe('what sudo and the helper say before JSON-RPC', () => {
  it('sees sudo’s first prompt, which has no newline after it', () => {
    expect(events([SUDO_PROMPT_MARKER])).toEqual([prompt(1)]);
  });

  it('sees a later prompt, whatever sudo says in between and in whatever language', () => {
    const text = `${SUDO_PROMPT_MARKER}Désolé, essayez de nouveau.\n${SUDO_PROMPT_MARKER}`;
    expect(events([text])).toEqual([prompt(1), prompt(2)]);
  });

  it('sees the ready line, also where it follows the prompt on the same line', () => {
    expect(events([`${SUDO_PROMPT_MARKER}${HELPER_READY_LINE}\n`])).toEqual([prompt(1), ready]);
    expect(events([`some log line\n${HELPER_READY_LINE}\n`])).toEqual([ready]);
  });

  it('finds the prompt and the ready line however the chunks are cut', () => {
    const text = `${SUDO_PROMPT_MARKER}Sorry, try again.\n${SUDO_PROMPT_MARKER}helper: loading\n${HELPER_READY_LINE}\n`;
    for (const chunks of cuts(text)) expect(events(chunks)).toEqual([prompt(1), prompt(2), ready]);
  });

  it('takes a line that only contains the ready line, or lacks its newline, for no ready line', () => {
    expect(events([`x ${HELPER_READY_LINE}\n`, `${HELPER_READY_LINE} and more\n`, HELPER_READY_LINE])).toEqual([]);
  });

  it('takes a start of the marker that goes on otherwise for text, and finds the marker right after it', () => {
    const almost = SUDO_PROMPT_MARKER.slice(0, 5);
    expect(events([`${almost}${SUDO_PROMPT_MARKER}`])).toEqual([prompt(1)]);
    expect(events([`${almost}\n${HELPER_READY_LINE}\n`])).toEqual([ready]);
  });

  it('looks for no prompt where no password is asked (pkexec, root)', () => {
    expect(events([`${SUDO_PROMPT_MARKER}\n${HELPER_READY_LINE}\n`], new StartupConversation(undefined))).toEqual([
      ready,
    ]);
  });

  it('reports nothing after the ready line: from there on stderr is the helper’s log', () => {
    expect(events([`${HELPER_READY_LINE}\n${SUDO_PROMPT_MARKER}${HELPER_READY_LINE}\n`])).toEqual([ready]);
  });

  it('keeps no more than a ready line’s length of a long line', () => {
    const conversation = new StartupConversation(SUDO_PROMPT_MARKER);
    expect(conversation.feed('x'.repeat(1_000_000))).toEqual([]);
    expect(conversation.feed(`\n${HELPER_READY_LINE}\n`)).toEqual([ready]);
  });
});
