/**
 * Pattern-backed pages: a frame written from a seeded stream holds the
 * stream, not its bytes, and reads back exactly the bytes a byte write of the
 * same stream leaves; a CPU write, a partial overwrite with other bytes or a
 * stretch of another stream turns it into stored bytes with the same
 * contents; the same seed gives the same bytes. Each case is compared with a
 * twin machine that was given the bytes themselves.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { PAGE_SIZE } from '../../src/contracts/units';
import { FrameFlag, FrameState, PhysicalMemory } from '../../src/kernel/mm/physical-memory';
import { DataPattern } from '../../src/pci/data-pattern';
import { StreamComparison } from '../../src/kernel/mm/stream-comparison';
import { PTE_VALID, pteKind } from '../../src/kernel/mm/address-space';
import { Machine } from '../../src/machine/machine';
import { bootSmallMachine } from './machine-fixture';

/** Two machines booted alike, the same frames taken in each: one gets patterns, the other the bytes. */
function twins(frames: number): { held: PhysicalMemory; bytes: PhysicalMemory; pfns: number[] } {
  const take = (m: Machine): number[] => {
    const owner = m.physical.registerOwner((ownerId) => ({ ownerId, ownerName: 'test owner' }));
    return Array.from({ length: frames }, (_, i) => m.physical.allocateFrame(owner, i, FrameState.Pageable));
  };
  const a = bootSmallMachine({ seed: 3 });
  const b = bootSmallMachine({ seed: 3 });
  const pfns = take(a);
  assert.deepEqual(take(b), pfns, 'twin machines hand out the same frames');
  return { held: a.physical, bytes: b.physical, pfns };
}

function sameContents(t: { held: PhysicalMemory; bytes: PhysicalMemory; pfns: number[] }, what: string): void {
  for (const pfn of t.pfns) assert.deepEqual(t.held.read(pfn * PAGE_SIZE, PAGE_SIZE), t.bytes.read(pfn * PAGE_SIZE, PAGE_SIZE), `${what}: frame ${pfn}`);
}

const pattern = new DataPattern(0x2f1);

describe('pattern-backed pages', () => {
  it('a page written from a pattern reads back the bytes a byte write of the pattern leaves, and stores none', () => {
    const t = twins(2);
    const [p] = t.pfns;
    t.held.writePattern(p! * PAGE_SIZE, PAGE_SIZE, pattern, 3 * PAGE_SIZE, 'device');
    t.bytes.write(p! * PAGE_SIZE, pattern.expected(3 * PAGE_SIZE, PAGE_SIZE), 0, PAGE_SIZE, 'device');
    assert.equal(t.held.isPatternPage(p!), true);
    assert.equal(t.held.contentBytes, 0, 'no 4 KiB array for a pattern page');
    assert.equal(t.held.patternFrames, 1);
    sameContents(t, 'after a whole-page pattern write');
    assert.deepEqual(t.held.read(p! * PAGE_SIZE + 1000, 77), pattern.expected(3 * PAGE_SIZE + 1000, 77), 'a read inside the page');
    assert.deepEqual(t.held.peekPage(p!), pattern.expected(3 * PAGE_SIZE, PAGE_SIZE), 'peekPage gives the bytes');
    assert.equal(t.held.holdsPattern(p! * PAGE_SIZE, PAGE_SIZE, pattern, 3 * PAGE_SIZE), true);
    assert.equal(t.held.holdsPattern(p! * PAGE_SIZE, PAGE_SIZE, pattern, 4 * PAGE_SIZE), false, 'another stretch of the stream is not claimed');
    assert.equal(t.held.holdsPattern(p! * PAGE_SIZE, PAGE_SIZE, new DataPattern(0x2f2), 3 * PAGE_SIZE), false, 'another seed is not claimed');
  });

  it('a CPU write into a pattern page materialises it: the bytes around the write are the pattern\'s, and it is marked modified', () => {
    const t = twins(1);
    const [p] = t.pfns;
    t.held.writePattern(p! * PAGE_SIZE, PAGE_SIZE, pattern, 0, 'device');
    t.bytes.write(p! * PAGE_SIZE, pattern.expected(0, PAGE_SIZE), 0, PAGE_SIZE, 'device');
    assert.equal(t.held.flags[p!]! & FrameFlag.Dirty, 0, 'a device write marks nothing modified');
    t.held.write(p! * PAGE_SIZE + 4000, Uint8Array.of(1, 2, 3));
    t.bytes.write(p! * PAGE_SIZE + 4000, Uint8Array.of(1, 2, 3));
    assert.equal(t.held.isPatternPage(p!), false);
    assert.equal(t.held.contentBytes, PAGE_SIZE);
    assert.equal(t.held.patternFrames, 0);
    assert.notEqual(t.held.flags[p!]! & FrameFlag.Dirty, 0, 'the CPU write marks the frame modified');
    sameContents(t, 'after a CPU write');
  });

  it('partial writes: the zeros around a stretch, stretches that join up, a gap, another seed and other bytes all read as bytes would', () => {
    const t = twins(6);
    const [zeros, joined, gap, seeds, bytes, overlap] = t.pfns.map((pfn) => pfn * PAGE_SIZE);
    const other = new DataPattern(99);
    // Each step on the held machine and the same bytes on the twin.
    const both = (pa: number, length: number, p: DataPattern, stream: number) => {
      t.held.writePattern(pa, length, p, stream, 'device');
      t.bytes.write(pa, p.expected(stream, length), 0, length, 'device');
    };
    both(zeros! + 100, 1000, pattern, 50); // zeros before and after the stretch
    both(joined! + 0, 2048, pattern, 7 * PAGE_SIZE); // two halves of one stretch of the stream
    both(joined! + 2048, 2048, pattern, 7 * PAGE_SIZE + 2048);
    both(gap! + 0, 1000, pattern, 0); // two stretches with other bytes (zeros) between them
    both(gap! + 2000, 1000, pattern, 2000);
    both(seeds! + 0, 2048, pattern, 0); // the second half from another seed
    both(seeds! + 2048, 2048, other, 2048);
    both(bytes! + 0, PAGE_SIZE, pattern, 0);
    both(overlap! + 0, 3000, pattern, 11 * PAGE_SIZE); // overlapping stretches of one stream
    both(overlap! + 1000, 3096, pattern, 11 * PAGE_SIZE + 1000);
    t.held.write(bytes! + 10, Uint8Array.of(0xee), 0, 1, 'device');
    t.bytes.write(bytes! + 10, Uint8Array.of(0xee), 0, 1, 'device');
    both(bytes! + 20, 100, pattern, 20); // a stretch written into a page of stored bytes goes into the bytes
    sameContents(t, 'after the partial writes');
    assert.equal(t.held.isPatternPage(zeros! / PAGE_SIZE), true, 'a stretch with zeros around it stays a pattern');
    assert.equal(t.held.isPatternPage(joined! / PAGE_SIZE), true, 'two halves of one stretch stay a pattern');
    assert.equal(t.held.holdsPattern(joined!, PAGE_SIZE, pattern, 7 * PAGE_SIZE), true);
    assert.equal(t.held.isPatternPage(overlap! / PAGE_SIZE), true, 'overlapping stretches of one stream stay a pattern');
    assert.equal(t.held.isPatternPage(gap! / PAGE_SIZE), false, 'a gap of other bytes makes it bytes');
    assert.equal(t.held.isPatternPage(seeds! / PAGE_SIZE), false, 'two seeds in one page make it bytes');
    assert.equal(t.held.isPatternPage(bytes! / PAGE_SIZE), false);
  });

  it('a whole-page pattern write over stored bytes drops them; freeing or zeroing a pattern page forgets the pattern', () => {
    const t = twins(2);
    const [a, b] = t.pfns;
    t.held.write(a! * PAGE_SIZE, Uint8Array.of(1));
    t.held.writePattern(a! * PAGE_SIZE, PAGE_SIZE, pattern, 0, 'cpu');
    assert.equal(t.held.contentBytes, 0);
    assert.notEqual(t.held.flags[a!]! & FrameFlag.Dirty, 0, 'a CPU pattern write marks the frame modified');
    t.held.writePattern(b! * PAGE_SIZE, PAGE_SIZE, pattern, 0, 'device');
    t.held.zeroPage(a!);
    t.held.freeFrame(b!);
    assert.equal(t.held.patternFrames, 0);
    assert.deepEqual(t.held.read(a! * PAGE_SIZE, PAGE_SIZE), new Uint8Array(PAGE_SIZE));
  });

  it('the same seed gives the same bytes: two patterns of one seed, and two machines given the same writes', () => {
    const t = twins(1);
    const [p] = t.pfns;
    t.held.writePattern(p! * PAGE_SIZE, PAGE_SIZE, new DataPattern(5), 123, 'device');
    t.bytes.writePattern(p! * PAGE_SIZE, PAGE_SIZE, new DataPattern(5), 123, 'device');
    sameContents(t, 'the same seed on two machines');
    assert.equal(t.held.holdsPattern(p! * PAGE_SIZE, PAGE_SIZE, new DataPattern(5), 123), true, 'another pattern object of the same seed');
    assert.deepEqual(t.held.read(p! * PAGE_SIZE, PAGE_SIZE), new DataPattern(5).expected(123, PAGE_SIZE));
  });

  it('a frame shared with C code gets the bytes, so the C driver sees them', () => {
    const t = twins(1);
    const [p] = t.pfns;
    const shared = new Uint8Array(PAGE_SIZE);
    t.held.setPage(p!, shared);
    t.held.flags[p!]! |= FrameFlag.SharedWithDriverCode;
    t.held.writePattern(p! * PAGE_SIZE, PAGE_SIZE, pattern, 0, 'device');
    assert.equal(t.held.isPatternPage(p!), false);
    assert.deepEqual(shared, pattern.expected(0, PAGE_SIZE), 'the shared array holds the bytes');
  });

  it('an application\'s pattern write through the memory manager faults the pages in, charges the CPU copy and reads back as the stream', () => {
    const machines = [bootSmallMachine({ seed: 4 }), bootSmallMachine({ seed: 4 })];
    const length = 5 * PAGE_SIZE + 300;
    const results = machines.map((m, i) => {
      const p = m.kernel.createProcess('app');
      const va = m.mm.allocateVirtual(p.addressSpace, 6 * PAGE_SIZE) + 200;
      const start = m.clock.now;
      m.cpu.inProcess(p, () => {
        if (i === 0) m.mm.writeVirtualPattern(va, length, pattern, 9000);
        else m.mm.writeVirtual(va, pattern.expected(9000, length));
      });
      const spent = m.clock.now - start;
      const read = m.cpu.inProcess(p, () => m.mm.readVirtual(va - 200, 6 * PAGE_SIZE));
      return { spent, read, stored: m.physical.contentBytes };
    });
    assert.equal(results[0]!.spent, results[1]!.spent, 'the same simulated time as writing the bytes');
    assert.deepEqual(results[0]!.read, results[1]!.read, 'the same bytes, zeros around the stretch included');
    assert.ok(results[0]!.stored < results[1]!.stored, `fewer stored bytes (${results[0]!.stored} vs ${results[1]!.stored})`);
  });

  it('comparing memory with the stream takes the faults and simulated time of reading it, and finds what a byte comparison finds', () => {
    const length = 5 * PAGE_SIZE + 300;
    // Machine 0 compares, machine 1 reads the bytes; both hold the stream as a pattern with one byte changed on page 3 and a page paged out.
    const results = [bootSmallMachine({ seed: 5 }), bootSmallMachine({ seed: 5 })].map((m, i) => {
      const p = m.kernel.createProcess('app');
      const va = m.mm.allocateVirtual(p.addressSpace, 6 * PAGE_SIZE) + 200;
      m.cpu.inProcess(p, () => {
        m.mm.writeVirtualPattern(va, length, pattern, 9000);
        m.mm.writeVirtual(va + 3 * PAGE_SIZE + 17, Uint8Array.of(pattern.byteAt(9000 + 3 * PAGE_SIZE + 17) ^ 0xff));
      });
      m.mm.applyMemoryPressure('severe', p.addressSpace);
      const start = m.clock.now;
      const resident = () => [...p.addressSpace.ptes.values()].filter((pte) => pteKind(pte) === PTE_VALID).length;
      const residentBefore = resident();
      const found = m.cpu.inProcess(p, () => {
        if (i === 0) return m.mm.compareVirtualWithPattern(va, length, pattern, 9000);
        const c = new StreamComparison();
        c.add(m.mm.readVirtual(va, length), pattern.expected(9000, length), 0);
        return c;
      });
      return { spent: m.clock.now - start, pageIns: resident() - residentBefore, found: { first: found.first, got: found.got, expected: found.expected, differing: found.differing } };
    });
    assert.ok(results[1]!.pageIns > 0, 'the pages were read back in');
    assert.equal(results[0]!.pageIns, results[1]!.pageIns, 'the same page-ins');
    assert.equal(results[0]!.spent, results[1]!.spent, 'the same simulated time');
    assert.deepEqual(results[0]!.found, results[1]!.found);
    assert.equal(results[0]!.found.first, 3 * PAGE_SIZE + 17);
    assert.equal(results[0]!.found.differing, 1);
  });

  it('a comparison skips no frame that holds another stretch of the stream or another seed', () => {
    const m = bootSmallMachine({ seed: 6 });
    const p = m.kernel.createProcess('app');
    const va = m.mm.allocateVirtual(p.addressSpace, 2 * PAGE_SIZE);
    m.cpu.inProcess(p, () => m.mm.writeVirtualPattern(va, 2 * PAGE_SIZE, pattern, 0));
    const shifted = m.cpu.inProcess(p, () => m.mm.compareVirtualWithPattern(va, 2 * PAGE_SIZE, pattern, 256));
    assert.equal(shifted.first, 0);
    assert.ok(shifted.differing > PAGE_SIZE, `a shift by one block differs almost everywhere (${shifted.differing})`);
    const other = m.cpu.inProcess(p, () => m.mm.compareVirtualWithPattern(va, 2 * PAGE_SIZE, new DataPattern(0x2f2), 0));
    assert.equal(other.matches, false);
    assert.equal(m.cpu.inProcess(p, () => m.mm.compareVirtualWithPattern(va + 10, 2 * PAGE_SIZE - 10, pattern, 10)).matches, true);
  });

  it('bad arguments are refused naming the problem', () => {
    const t = twins(1);
    assert.throws(() => t.held.writePattern(t.pfns[0]! * PAGE_SIZE, PAGE_SIZE, pattern, -1), /stream offset must be a whole non-negative number/);
    assert.throws(() => t.held.writePattern(0x1000, 16, pattern, 0), /is not RAM/);
  });
});
