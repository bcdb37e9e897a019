/**
 * A system buffer the kernel frees behind C's back (a METHOD_BUFFERED
 * request's, freed by the I/O manager at completion) leaves its frames
 * shared with C. When pool hands those frames out again at another address,
 * sharing the new range with C drops the stale alias instead of refusing it
 * as a second mapping.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { PAGE_SIZE } from '../../src/contracts/units';
import { FrameAliases } from '../../src/personalities/c-wasm/frame-aliases';
import { LinearMemory } from '../../src/personalities/c-wasm/linear-memory';
import { bootSmallMachine } from '../mm/machine-fixture';

describe('frames shared with C and freed by the kernel', () => {
  it('are shared again at the address pool gives them next', () => {
    const { mm } = bootSmallMachine();
    const aliases = new FrameAliases(mm, new LinearMemory(new WebAssembly.Memory({ initial: 64 }), PAGE_SIZE));
    const first = mm.ExAllocatePoolWithTag('NonPagedPool', 64, 'Test')!;
    const frame = mm.physicalAddressOf(first);
    const stale = aliases.alias(first, 64);
    mm.ExFreePoolWithTag(first, 'Test');
    let reused: number | null = null;
    for (let i = 0; i < 64 && reused === null; i++) {
      const va = mm.ExAllocatePoolWithTag('NonPagedPool', 2 * PAGE_SIZE, 'Test')!;
      if ([0, PAGE_SIZE].some((offset) => mm.physicalAddressOf(va + offset) === Math.floor(frame / PAGE_SIZE) * PAGE_SIZE)) reused = va;
    }
    assert.ok(reused !== null && reused !== first, 'pool handed the freed frame out again at another address');
    const linear = aliases.alias(reused, 2 * PAGE_SIZE);
    assert.equal(aliases.systemOf(linear), reused);
    assert.equal(aliases.systemOf(stale), null, 'the freed range is no longer C\'s');
  });
});
