import { describe, expect, it } from '@jest/globals';
import { GroupCommit } from '../src/knex/group-commit.js';

describe('GroupCommit', () => {
  it('writes what arrives in one turn as one group, and what arrives during a write as the next', async () => {
    const groups: number[][] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const commit = new GroupCommit<number, number>(async (items) => {
      groups.push([...items]);
      if (groups.length === 1) await gate;
      return items.map((i) => i * 10);
    });
    const first = [1, 2, 3].map((i) => commit.submit(i));
    // Wait until the first group is being written, then add more while it is.
    await new Promise((resolve) => setImmediate(resolve));
    const second = [4, 5].map((i) => commit.submit(i));
    release();
    expect(await Promise.all([...first, ...second])).toEqual([10, 20, 30, 40, 50]);
    expect(groups).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('retries a failed group one by one, so only the bad item fails', async () => {
    const groups: number[][] = [];
    const commit = new GroupCommit<number, number>((items) => {
      groups.push([...items]);
      if (items.includes(2)) return Promise.reject(new Error(`cannot write 2`));
      return Promise.resolve(items.map((i) => -i));
    });
    const outcomes = await Promise.allSettled([1, 2, 3].map((i) => commit.submit(i)));
    expect(outcomes).toEqual([
      { status: 'fulfilled', value: -1 },
      { status: 'rejected', reason: new Error('cannot write 2') },
      { status: 'fulfilled', value: -3 },
    ]);
    expect(groups).toEqual([[1, 2, 3], [1], [2], [3]]);
  });
});
