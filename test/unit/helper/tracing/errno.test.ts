import { describe, expect, it } from 'vitest';

import { errnoName } from '../../../../helper/tracing/errno';

describe('errnoName', () => {
  it('names a failed result by its errno', () => {
    expect(errnoName(-2)).toBe('ENOENT');
    expect(errnoName(-39)).toBe('ENOTEMPTY');
  });

  it('says the number where the errno has no name', () => {
    expect(errnoName(-9999)).toBe('errno 9999');
  });
});
