/**
 * The verifier's index of mapped ranges answers as a plain scan of every
 * registered range would, whatever mappings come and go and however they
 * overlap: the shortcut it takes for a device running through a list element
 * after element (the range at or after the last access) must never change
 * the covering mapping it names.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { DeviceMapping } from '../../src/kernel/verifier/dma-verifier';
import { MappedRangeIndex } from '../../src/kernel/verifier/mapped-range-index';

const PAGE = 4096;

function mapping(label: string, ranges: { address: number; length: number }[], writeToDevice: boolean | null = false): DeviceMapping {
  return { kind: 'scatter-gather-list', requesterId: 8, adapterId: 1, ranges, mdlId: 0, writeToDevice, label };
}

/** What the index must answer: the overlapping range that starts first (earliest registered on a tie) if it holds the access, else the sweep of adjacent ranges. */
function byScan(live: readonly DeviceMapping[], address: number, length: number): DeviceMapping | null {
  const end = address + length;
  const pieces = live.flatMap((m) => m.ranges.filter((r) => r.length > 0).map((r) => ({ start: r.address, end: r.address + r.length, m })));
  const overlapping = pieces.filter((p) => p.start < end && p.end > address);
  let first: (typeof pieces)[number] | null = null;
  for (const p of overlapping) if (first === null || p.start < first.start) first = p;
  if (first === null || first.start > address) return null;
  if (first.end >= end) return first.m;
  const sorted = [...overlapping].sort((x, y) => x.start - y.start);
  let reached = address;
  let found: DeviceMapping | null = null;
  for (const p of sorted) {
    if (p.start > reached) break;
    if (p.end > reached) {
      found ??= p.m;
      reached = p.end;
    }
    if (reached >= end) return found;
  }
  return null;
}

type Step =
  | { readonly op: 'map'; readonly pages: readonly number[]; readonly offset: number; readonly length: number }
  | { readonly op: 'unmap'; readonly which: number }
  | { readonly op: 'access'; readonly page: number; readonly offset: number; readonly length: number }
  | { readonly op: 'walk'; readonly which: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant('map' as const), pages: fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 6 }), offset: fc.integer({ min: 0, max: PAGE - 1 }), length: fc.integer({ min: 1, max: 2 * PAGE }) }),
  fc.record({ op: fc.constant('unmap' as const), which: fc.nat() }),
  fc.record({ op: fc.constant('access' as const), page: fc.integer({ min: 0, max: 41 }), offset: fc.integer({ min: 0, max: PAGE - 1 }), length: fc.integer({ min: 1, max: 2 * PAGE }) }),
  fc.record({ op: fc.constant('walk' as const), which: fc.nat() }),
);

describe('mapped range index', () => {
  it('names the covering mapping a scan of every range names, through maps, unmaps and element-by-element walks', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const index = new MappedRangeIndex();
        const live: DeviceMapping[] = [];
        let n = 0;
        const check = (address: number, length: number) => {
          assert.equal(index.covering(address, length)?.m ?? null, byScan(live, address, length), `access of ${length} at ${address}`);
        };
        for (const s of steps) {
          if (s.op === 'map') {
            // Ranges of a page-sized stretch at scattered pages, as a list of a scattered buffer has; some overlap others.
            const m = mapping(`m${n++}`, s.pages.map((p) => ({ address: p * PAGE + s.offset, length: s.length })));
            index.add(m);
            live.push(m);
          } else if (s.op === 'unmap' && live.length > 0) {
            const [m] = live.splice(s.which % live.length, 1);
            assert.equal(index.remove(m!), true);
          } else if (s.op === 'access') {
            check(s.page * PAGE + s.offset, s.length);
          } else if (s.op === 'walk' && live.length > 0) {
            // A device running through a mapping's ranges in order, inside each and straddling the next.
            for (const r of live[s.which % live.length]!.ranges) {
              check(r.address, r.length);
              check(r.address + r.length - 1, 2);
            }
          }
        }
      }),
      { seed: 18, numRuns: 300 },
    );
  });

  it('lists of stretches emptied by many mappings going are dropped, and the index answers as before', () => {
    const index = new MappedRangeIndex();
    const stretch = 64 * 1024;
    const many = Array.from({ length: 12_000 }, (_, i) => mapping(`m${i}`, [{ address: i * stretch, length: PAGE }]));
    for (const m of many) index.add(m);
    const kept = mapping('kept', [{ address: 5 * stretch, length: 2 * stretch }]);
    index.add(kept);
    for (const m of many) assert.equal(index.remove(m), true);
    assert.equal(index.covering(5 * stretch + 10, 100)?.m, kept);
    assert.equal(index.covering(7 * stretch, 100), null);
    const again = mapping('again', [{ address: 9000 * stretch, length: PAGE }]);
    index.add(again);
    assert.equal(index.covering(9000 * stretch, PAGE)?.m, again);
    assert.equal(index.remove(kept), true);
    assert.equal(index.covering(5 * stretch + 10, 100), null);
    assert.equal(index.remove(again), true);
    assert.equal(index.covering(9000 * stretch, PAGE), null);
  });

  it('a mapping that comes to overlap one the device is running through takes over where its range starts first', () => {
    const index = new MappedRangeIndex();
    const list = mapping('list', [{ address: 10 * PAGE, length: PAGE }, { address: 20 * PAGE, length: PAGE }]);
    index.add(list);
    assert.equal(index.covering(10 * PAGE, PAGE)?.m, list);
    const earlier = mapping('earlier', [{ address: 20 * PAGE - 16, length: PAGE + 16 }]);
    index.add(earlier);
    assert.equal(index.covering(20 * PAGE, PAGE)?.m, earlier, 'the range that starts first covers the access');
    index.remove(earlier);
    assert.equal(index.covering(20 * PAGE, PAGE)?.m, list);
    assert.equal(index.remove(earlier), false, 'a mapping removed twice is reported');
  });
});
