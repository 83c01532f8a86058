import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { committedFile, restoreFromHead } from '../../../../extension/commands/gitRestore';

let repository: string;

function git(...args: string[]): void {
  execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], {
    cwd: repository,
    stdio: 'ignore',
  });
}

beforeEach(() => {
  repository = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'syscall-trace-git-')));
  fs.mkdirSync(path.join(repository, 'src'));
  for (const name of ['src/kept.ts', 'src/:(glob)*', 'src/other.ts'])
    fs.writeFileSync(path.join(repository, name), `${name}\n`);
  git('init', '-q');
  git('add', '.');
  git('commit', '-q', '-m', 'initial');
});

afterEach(() => fs.rmSync(repository, { recursive: true, force: true }));

describe('Restore from Git', () => {
  it('brings a deleted, committed file back as it was committed', async () => {
    const file = path.join(repository, 'src/kept.ts');
    fs.rmSync(file);
    const committed = await committedFile(repository, file);
    expect(committed).toEqual({ repository, relativePath: 'src/kept.ts' });
    await restoreFromHead(committed!);
    expect(fs.readFileSync(file, 'utf8')).toBe('src/kept.ts\n');
  });

  it('finds the repository from a workspace folder inside it', async () => {
    const file = path.join(repository, 'src/kept.ts');
    expect(await committedFile(path.join(repository, 'src'), file)).toEqual({
      repository,
      relativePath: 'src/kept.ts',
    });
  });

  it('offers nothing for a file that was never committed', async () => {
    expect(await committedFile(repository, path.join(repository, 'src/new.ts'))).toBeUndefined();
  });

  it('offers nothing outside a repository', async () => {
    expect(await committedFile(os.tmpdir(), path.join(os.tmpdir(), 'x'))).toBeUndefined();
  });

  it('restores exactly the named file, even when its name looks like a pathspec', async () => {
    const magic = path.join(repository, 'src/:(glob)*');
    fs.rmSync(magic);
    fs.rmSync(path.join(repository, 'src/other.ts'));
    await restoreFromHead((await committedFile(repository, magic))!);
    expect(fs.existsSync(magic)).toBe(true);
    expect(fs.existsSync(path.join(repository, 'src/other.ts'))).toBe(false);
  });
});
