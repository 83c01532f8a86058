import { describe, expect, it } from 'vitest';

import { shownPath } from '../../../../common/shownText';
import {
  localDateTime,
  localTime,
  notificationText,
  parentDirectory,
  processGroupLabel,
  relativeTime,
  shellCommandLine,
  shownName,
} from '../../../../extension/view/displayText';

describe('display text', () => {
  it('shows a name that is not UTF-8 byte for byte', () => {
    const bytes = Buffer.concat([Buffer.from('/tmp/a'), Buffer.from([0xff, 0xfe]), Buffer.from('b')]);
    const event = { path: bytes.toString('utf8'), pathBytes: bytes.toString('base64') };
    expect(shownPath(event)).toBe('/tmp/a\\xff\\xfeb');
    expect(shownName(event)).toBe('a\\xff\\xfeb');
  });

  it('shows control characters in a name as escapes', () => {
    expect(shownName({ path: '/tmp/a\nb\tc\u001b' })).toBe('a\\nb\\tc\\e');
  });

  it('quotes command-line arguments as a shell would need them', () => {
    expect(shellCommandLine(['rm', '-rf', 'my dir', "it's", '*.o', '/tmp/plain'])).toBe(
      `rm -rf 'my dir' 'it'\\''s' '*.o' /tmp/plain`,
    );
  });

  it('names the parent directory, the root for a top-level entry', () => {
    expect(parentDirectory('/home/ada/f')).toBe('/home/ada');
    expect(parentDirectory('/f')).toBe('/');
  });

  it('says how long ago a deletion happened', () => {
    const now = Date.parse('2026-11-24T12:00:00.000Z');
    expect(relativeTime('2026-11-24T11:59:58.000Z', now)).toBe('just now');
    expect(relativeTime('2026-11-24T11:59:18.000Z', now)).toBe('42 s ago');
    expect(relativeTime('2026-11-24T11:55:00.000Z', now)).toBe('5 min ago');
    expect(relativeTime('2026-11-24T09:00:00.000Z', now)).toBe('3 h ago');
  });

  it('shows a time in the person’s time zone and locale: the time of day for today, the date too for another day', () => {
    const berlin = { locale: 'en-GB', timeZone: 'Europe/Berlin' };
    const iso = '2026-11-24T12:00:00.000Z';
    expect(localTime(iso, Date.parse('2026-11-24T18:00:00.000Z'), berlin)).toBe('13:00:00');
    expect(localTime(iso, Date.parse('2026-11-25T18:00:00.000Z'), berlin)).toBe('24/11/2026, 13:00:00');
    expect(localDateTime(iso, berlin)).toBe('24/11/2026, 13:00:00');
  });

  it('takes the local date for “today”, not the UTC one', () => {
    const newYork = { locale: 'en-US', timeZone: 'America/New_York' };
    // 03:00 UTC on the 24th is the evening of the 23rd in New York, the same evening as 04:00 UTC.
    expect(localTime('2026-11-24T03:00:00.000Z', Date.parse('2026-11-24T04:00:00.000Z'), newYork)).toBe('10:00:00 PM');
    expect(localDateTime('2026-11-24T03:00:00.000Z', newYork)).toBe('11/23/2026, 10:00:00 PM');
  });

  it('uses the host’s locale and time zone unless told otherwise', () => {
    const iso = '2026-11-24T12:00:00.000Z';
    expect(localDateTime(iso)).toBe(new Date(iso).toLocaleString());
  });

  it('names a process by command and pid, and by the container it ran in, with the id as short as docker ps shows it', () => {
    expect(processGroupLabel({ comm: 'rm', pid: 10 })).toBe('rm (10)');
    expect(
      processGroupLabel({ comm: 'rm', pid: 10, container: { engine: 'docker', id: '0123456789abcdef0123' } }),
    ).toBe('rm (10) · docker 0123456789ab');
  });

  it('shows control characters in a container id as escapes', () => {
    expect(processGroupLabel({ comm: 'rm', pid: 10, container: { engine: 'cri-o', id: 'a\nb' } })).toBe(
      'rm (10) · cri-o a\\nb',
    );
  });
});

describe('text in a notification', () => {
  // VS Code's notifications make links of these, as its LinkedText parser does.
  const LINK = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/i;

  it('keeps a path that holds a command link from becoming one', () => {
    const path = '/tmp/[Open](command:workbench.action.terminal.new)/recorder.sock';
    expect(path).toMatch(LINK);
    expect(notificationText(`${path} is not a socket`)).not.toMatch(LINK);
  });

  it('reads the same, its control characters as escapes', () => {
    expect(notificationText('/tmp/a](b\nc').replace('\u2060', '')).toBe('/tmp/a](b\\nc');
  });
});
