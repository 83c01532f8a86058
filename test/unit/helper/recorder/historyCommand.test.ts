// The history command's arguments: times ago or ISO times, folders resolved
// against the working directory, and a sentence for what is wrong.
import { describe, expect, it } from 'vitest';

import { RECORDER_DATABASE_DEFAULT } from '../../../../common/protocol';
import { parseHistoryArguments, parseWhen } from '../../../../helper/recorder/historyCommand';

const NOW = Date.UTC(2026, 10, 27, 12);

describe('history arguments', () => {
  it('takes a time ago in seconds, minutes, hours, days and weeks, or an ISO time', () => {
    expect(parseWhen('--since', '90s', NOW)).toBe(NOW - 90_000);
    expect(parseWhen('--since', '15m', NOW)).toBe(NOW - 900_000);
    expect(parseWhen('--since', '2h', NOW)).toBe(NOW - 7_200_000);
    expect(parseWhen('--since', '7d', NOW)).toBe(NOW - 7 * 86_400_000);
    expect(parseWhen('--since', '2w', NOW)).toBe(NOW - 14 * 86_400_000);
    expect(parseWhen('--until', '2026-11-27T09:00:00Z', NOW)).toBe(Date.UTC(2026, 10, 27, 9));
    expect(parseWhen('--until', '2026-11-26', NOW)).toBe(Date.UTC(2026, 10, 26));
  });

  it('refuses what is neither, naming the option', () => {
    for (const given of ['', '7', 'd', '7 days', '-7d', 'yesterday', '2026-13-45', '12/11/2026']) {
      expect(() => parseWhen('--since', given, NOW)).toThrow(/^--since must be a time ago/);
    }
  });

  it('reads the whole system from the default recording unless told otherwise', () => {
    expect(parseHistoryArguments([], '/home/u', NOW)).toEqual({
      db: RECORDER_DATABASE_DEFAULT,
      scope: 'system',
      includeFailed: false,
      jsonl: false,
    });
    expect(
      parseHistoryArguments(
        ['--db', 'rec.db', '--path', 'src', '--path', '/srv', '--since', '1h', '--failed', '--jsonl'],
        '/home/u',
        NOW,
      ),
    ).toEqual({
      db: '/home/u/rec.db',
      scope: { paths: ['/home/u/src', '/srv'] },
      sinceMs: NOW - 3_600_000,
      includeFailed: true,
      jsonl: true,
    });
  });

  it('refuses unknown options, positionals and empty values', () => {
    expect(() => parseHistoryArguments(['--everything'], '/', NOW)).toThrow();
    expect(() => parseHistoryArguments(['file'], '/', NOW)).toThrow();
    expect(() => parseHistoryArguments(['--path', ''], '/', NOW)).toThrow(/--path needs a directory/);
    expect(() => parseHistoryArguments(['--db', ''], '/', NOW)).toThrow(/--db needs a file/);
  });
});
