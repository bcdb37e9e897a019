/**
 * The page table and the working set behave as the Map and the insertion-ordered
 * Set they replace: the same answers and sizes, and the working set's order
 * (oldest first, which the trimmer follows) after any mix of additions and
 * removals, holes squeezed out or not.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { PageTable } from '../../src/kernel/mm/page-table';
import { WorkingSet } from '../../src/kernel/mm/working-set';
import { Rng } from '../../src/machine/rng';

/** Page numbers around chunk edges, far apart, and of the system space (above 2^32 pages). */
const PAGES = [0, 1, 1023, 1024, 1025, 5000, 2 ** 20, 2 ** 35 + 7];

function randomPage(rng: Rng): number {
  return rng.next() < 0.3 ? PAGES[rng.below(PAGES.length)]! : 16 + rng.below(3000);
}

describe('page table', () => {
  it('answers as a Map of page numbers to PTEs does', () => {
    const rng = new Rng(7);
    const table = new PageTable();
    const map = new Map<number, number>();
    for (let i = 0; i < 20_000; i++) {
      const vpn = randomPage(rng);
      if (rng.next() < 0.6) {
        const pte = 1 + rng.below(2 ** 30) * 4;
        table.set(vpn, pte);
        map.set(vpn, pte);
      } else assert.equal(table.delete(vpn), map.delete(vpn));
      assert.equal(table.get(vpn), map.get(vpn));
    }
    assert.equal(table.size, map.size);
    assert.deepEqual([...table], [...map].sort(([a], [b]) => a - b), 'every entry, in page order');
  });

  it('refuses a PTE of 0, which would read as no PTE', () => {
    assert.throws(() => new PageTable().set(5, 0), /a PTE is a whole number of at least 1/);
  });
});

describe('working set', () => {
  it('keeps the members and the order an insertion-ordered Set keeps', () => {
    const rng = new Rng(11);
    const ws = new WorkingSet();
    const set = new Set<number>();
    for (let i = 0; i < 50_000; i++) {
      const vpn = randomPage(rng);
      // Removals outnumber additions for a while, so holes are squeezed out many times.
      if (rng.next() < (i % 10_000 < 5_000 ? 0.7 : 0.3)) {
        ws.add(vpn);
        set.add(vpn);
      } else assert.equal(ws.delete(vpn), set.delete(vpn));
      assert.equal(ws.has(vpn), set.has(vpn));
      assert.equal(ws.size, set.size);
    }
    assert.deepEqual([...ws], [...set]);
    assert.deepEqual([...ws.members()], [...set]);
  });

  it('removes many pages at once as one at a time does', () => {
    const ws = new WorkingSet();
    const set = new Set<number>();
    for (let vpn = 0; vpn < 5000; vpn++) {
      ws.add(vpn * 7 % 5003);
      set.add(vpn * 7 % 5003);
    }
    const gone = [...set].filter((vpn) => vpn % 3 !== 0);
    ws.deleteAll([...gone, 999_999]);
    for (const vpn of gone) set.delete(vpn);
    assert.equal(ws.size, set.size);
    assert.deepEqual([...ws], [...set]);
    ws.add(gone[0]!);
    set.add(gone[0]!);
    assert.deepEqual([...ws], [...set], 'a page added again after the removal is the newest');
  });
});
