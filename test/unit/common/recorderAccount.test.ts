// The recorder's account as /etc/passwd names it, for the recorder that
// becomes it and the extension that takes its socket as the recorder's.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

import { accountIn, recorderAccountUid } from '../../../common/recorderAccount';

const PASSWD =
  'root:x:0:0:root:/root:/bin/bash\nsyscall-trace:x:990:985:Syscall Trace flight recorder:/nonexistent:/usr/sbin/nologin\nbroken:x:abc:1::/:/bin/sh\n';

describe('the recorder account', () => {
  it('is found by its name, with its uid and gid', () => {
    expect(accountIn(PASSWD, 'syscall-trace')).toEqual({ name: 'syscall-trace', uid: 990, gid: 985 });
  });

  it('is not found where the name is missing, or its entry is not numbers', () => {
    expect(accountIn(PASSWD, 'nobody')).toBeUndefined();
    expect(accountIn(PASSWD, 'broken')).toBeUndefined();
    expect(accountIn(PASSWD, 'syscall')).toBeUndefined();
  });

  it("gives the extension no uid where the system has no such account, or it is root's", () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'recorder-account-'));
    try {
      const file = path.join(directory, 'passwd');
      fs.writeFileSync(file, PASSWD);
      expect(recorderAccountUid(file)).toBe(990);
      fs.writeFileSync(file, 'syscall-trace:x:0:0::/:/bin/sh\n');
      expect(recorderAccountUid(file)).toBeUndefined();
      expect(recorderAccountUid(path.join(directory, 'missing'))).toBeUndefined();
    } finally {
      fs.rmSync(directory, { recursive: true });
    }
  });
});
