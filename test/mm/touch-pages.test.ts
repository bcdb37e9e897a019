/**
 * MemoryManager.touchPages: faulting in a process's pages by touching one
 * byte of each leaves the machine exactly as reading that byte of each page
 * does (frames, page tables, working set, simulated time and its accounts),
 * and a range that is not page-aligned is refused.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { PAGE_SIZE } from '../../src/contracts/units';
import type { Machine } from '../../src/machine/machine';
import { bootSmallMachine } from './machine-fixture';

const PAGES = 3000;

/** A process with `PAGES` pages allocated, touched one way or the other; what the machine holds afterwards. */
function touched(how: 'readVirtual' | 'touchPages') {
  const machine: Machine = bootSmallMachine({ seed: 9 });
  const process = machine.kernel.createProcess('background.exe');
  const va = machine.mm.allocateVirtual(process.addressSpace, PAGES * PAGE_SIZE, { label: 'work' });
  machine.cpu.inProcess(process, () => {
    if (how === 'touchPages') machine.mm.touchPages(va, PAGES);
    else for (let i = 0; i < PAGES; i++) machine.mm.readVirtual(va + i * PAGE_SIZE, 1);
  });
  const p = machine.physical;
  const pfn = createHash('sha256');
  for (const a of [p.state, p.flags, p.lockCount, p.shareCount, p.owner, p.ownerPage]) pfn.update(a);
  return {
    now: machine.clock.now,
    accounts: [...machine.clock.cpuNs],
    free: p.freeFrames,
    pfn: pfn.digest('hex'),
    ptes: [...process.addressSpace.ptes],
    workingSet: [...process.addressSpace.workingSet],
  };
}

describe('touching pages', () => {
  it('faults the pages in exactly as reading one byte of each does', () => {
    const bulk = touched('touchPages');
    assert.equal(bulk.ptes.length, PAGES);
    assert.deepEqual(bulk, touched('readVirtual'));
  });

  it('refuses a range that does not start on a page boundary', () => {
    const machine = bootSmallMachine();
    const process = machine.kernel.createProcess('app.exe');
    const va = machine.mm.allocateVirtual(process.addressSpace, 4 * PAGE_SIZE, { label: 'work' });
    assert.throws(() => machine.cpu.inProcess(process, () => machine.mm.touchPages(va + 1, 2)), /touchPages: .* is not page-aligned/);
  });
});
