import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { addonLoadFailure, type AddonLoadAttempt } from '../../../helper/native';

const BUNDLED = '/opt/ext/dist/syscall_trace.node';
const BUILT = '/opt/ext/native/build/Release/syscall_trace.node';

const notThere = (location: string): AddonLoadAttempt => ({
  location,
  code: 'MODULE_NOT_FOUND',
  message: `Cannot find module '${location}'\nRequire stack:\n- /opt/ext/dist/helper.js`,
});
// What dlopen() says, through require(), when a library the addon links is missing.
const libraryMissing = (location: string, library: string): AddonLoadAttempt => ({
  location,
  code: 'ERR_DLOPEN_FAILED',
  message: `${library}: cannot open shared object file: No such file or directory`,
});

/** How require() really fails at `location`. */
function attemptAt(location: string): AddonLoadAttempt {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the addon's own way of loading, to compare with
    require(location);
  } catch (error) {
    return { location, code: (error as NodeJS.ErrnoException).code, message: (error as Error).message };
  }
  throw new Error(`${location} loaded`);
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'addon-load-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe('addonLoadFailure', () => {
  it('names the Debian package of a missing system library, and not npm run build', () => {
    const elf = addonLoadFailure([libraryMissing(BUNDLED, 'libelf.so.1'), notThere(BUILT)]);
    expect(elf).toBe(
      'the native addon needs the system library libelf.so.1: install it (Debian/Ubuntu: `sudo apt-get install libelf1`)',
    );
    const zlib = addonLoadFailure([libraryMissing(BUNDLED, 'libz.so.1'), notThere(BUILT)]);
    expect(zlib).toBe(
      'the native addon needs the system library libz.so.1: install it (Debian/Ubuntu: `sudo apt-get install zlib1g`)',
    );
    const bpf = addonLoadFailure([notThere(BUNDLED), libraryMissing(BUILT, 'libbpf.so.1')]);
    expect(bpf).toBe(
      'the native addon needs the system library libbpf.so.1: install it (Debian/Ubuntu: `sudo apt-get install libbpf1`)',
    );
    for (const message of [elf, zlib, bpf]) expect(message).not.toContain('npm run build');
  });

  it('names a missing library it knows no package for', () => {
    expect(addonLoadFailure([libraryMissing(BUNDLED, 'libzstd.so.1'), notThere(BUILT)])).toBe(
      'the native addon needs the system library libzstd.so.1: install the package that provides it',
    );
  });

  it('says to build where no addon is found', () => {
    const message = addonLoadFailure([
      attemptAt(path.join(scratch, 'a.node')),
      attemptAt(path.join(scratch, 'b.node')),
    ]);
    expect(message).toBe(
      `the native addon is not built (looked for ${scratch}/a.node and ${scratch}/b.node): run "npm run build"`,
    );
  });

  it("gives dlopen's own reason for an addon it cannot load otherwise, on one line", () => {
    const broken = path.join(scratch, 'broken.node');
    fs.writeFileSync(broken, 'not an ELF file\n');
    const attempt = attemptAt(broken);
    expect(attempt.code).toBe('ERR_DLOPEN_FAILED');
    const message = addonLoadFailure([attempt, attemptAt(path.join(scratch, 'absent.node'))]);
    expect(message).toBe(`the native addon ${broken} could not be loaded: ${attempt.message}`);
    expect(message).not.toContain('\n');
    expect(message).not.toContain('npm run build');
  });

  it('reports the first addon found, wherever it lies', () => {
    expect(addonLoadFailure([notThere(BUNDLED), libraryMissing(BUILT, 'libelf.so.1')])).toContain('libelf1');
  });
});
