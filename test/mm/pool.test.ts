/**
 * Pools (CONT-4) and low-resource fault injection: each pool has a size fixed
 * at boot and returns NULL beyond it; the fault injector fails the Nth call,
 * every call, a seeded fraction, the first call per call site, or only one
 * call site's calls; pool misuse stops the machine with the documented codes.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { DEVICE_LEVEL, DISPATCH_LEVEL } from '../../src/machine/irql';
import { Machine } from '../../src/machine/machine';
import { STATUS } from '../../src/machine/ntstatus';
import { MiB, PAGE_SIZE } from '../../src/contracts/units';
import { FrameState } from '../../src/kernel/mm/physical-memory';
import { PoolType } from '../../src/kernel/mm/pool';
import { bootSmallMachine, expectBugCheck, expectRaised } from './machine-fixture';

function outcomes(machine: Machine, calls: number, pool: PoolType = 'NonPagedPool', callSite = ''): boolean[] {
  return Array.from({ length: calls }, () => machine.mm.ExAllocatePoolWithTag(pool, 64, 'Test', callSite) !== null);
}

describe('pool size', () => {
  it('non-paged pool returns NULL once its boot size is used up, and has room again after a free', () => {
    const machine = bootSmallMachine({ nonPagedPoolBytes: 1 * MiB });
    const pool = machine.mm.nonPagedPool;
    const blocks: number[] = [];
    for (;;) {
      const va = machine.mm.ExAllocatePoolWithTag('NonPagedPool', PAGE_SIZE, 'Fill');
      if (va === null) break;
      blocks.push(va);
    }
    assert.equal(blocks.length, (1 * MiB) / PAGE_SIZE);
    assert.equal(pool.usedPages, pool.limitPages);
    assert.equal(pool.failures, 1);
    machine.mm.ExFreePoolWithTag(blocks[0]!, 'Fill');
    assert.equal(machine.mm.ExAllocatePoolWithTag('NonPagedPool', 2 * PAGE_SIZE, 'Fill'), null, 'one free page is not room for two');
    assert.notEqual(machine.mm.ExAllocatePoolWithTag('NonPagedPool', PAGE_SIZE, 'Fill'), null);
  });

  it('non-paged pool is resident, non-paged and survives severe pressure; paged pool is pageable', () => {
    const machine = bootSmallMachine();
    const np = machine.mm.ExAllocatePoolWithTag('NonPagedPool', 3 * PAGE_SIZE, 'NonP')!;
    const pp = machine.mm.ExAllocatePoolWithTag('PagedPool', PAGE_SIZE, 'Page')!;
    machine.mm.writeVirtual(pp, Uint8Array.of(1));
    const frames = [0, 1, 2].map((i) => machine.mm.translate(np + i * PAGE_SIZE));
    for (const pfn of frames) assert.equal(machine.physical.state[pfn], FrameState.NonPaged);
    assert.equal(machine.physical.state[machine.mm.translate(pp)], FrameState.Pageable);
    machine.mm.applyMemoryPressure('severe');
    assert.deepEqual([0, 1, 2].map((i) => machine.mm.translate(np + i * PAGE_SIZE)), frames);
    assert.equal(machine.mm.translate(pp), -1);
    assert.equal(machine.mm.poolAllocationAt(np)?.tag, 'NonP');
  });

  it('paged pool has its own size', () => {
    const machine = bootSmallMachine({ pagedPoolBytes: 64 * PAGE_SIZE });
    assert.notEqual(machine.mm.ExAllocatePoolWithTag('PagedPool', 64 * PAGE_SIZE, 'Big '), null);
    assert.equal(machine.mm.ExAllocatePoolWithTag('PagedPool', 1, 'More'), null);
    assert.notEqual(machine.mm.ExAllocatePoolWithTag('NonPagedPool', 1, 'Else'), null);
  });

  it('a size that is not a whole number of bytes is refused', () => {
    const machine = bootSmallMachine();
    for (const size of [-1, 1.5, Number.NaN]) expectRaised(STATUS.INVALID_PARAMETER, () => machine.mm.ExAllocatePoolWithTag('NonPagedPool', size, 'Bad '));
  });
});

describe('pool misuse stops the machine', () => {
  it('a double free is BAD_POOL_CALLER 0xC2 with the block address', () => {
    const machine = bootSmallMachine();
    const va = machine.mm.ExAllocatePoolWithTag('NonPagedPool', 100, 'Twic')!;
    machine.mm.ExFreePoolWithTag(va, 'Twic');
    const stop = expectBugCheck(machine, 0xc2, () => machine.mm.ExFreePoolWithTag(va, 'Twic'), 0x07);
    assert.equal(stop.parameters[3], va);
  });

  it('freeing with the wrong tag is 0xC2 naming both tags', () => {
    const machine = bootSmallMachine();
    const va = machine.mm.ExAllocatePoolWithTag('PagedPool', 100, 'Mine')!;
    const stop = expectBugCheck(machine, 0xc2, () => machine.mm.ExFreePoolWithTag(va, 'Your'), 0x0a);
    assert.equal(stop.parameters[1], va);
    assert.equal(stop.parameters[2], 0x656e694d, "P3 is the allocator's tag 'Mine'");
    assert.equal(stop.parameters[3], 0x72756f59, "P4 is the tag used to free, 'Your'");
  });

  it('a zero-byte request is 0xC4/0x00', () => {
    const machine = bootSmallMachine();
    expectBugCheck(machine, 0xc4, () => machine.mm.ExAllocatePoolWithTag('NonPagedPool', 0, 'Zero'), 0x00);
  });

  it('paged pool above APC_LEVEL is 0xC4/0x01; non-paged pool above DISPATCH_LEVEL is 0xC4/0x02', () => {
    const a = bootSmallMachine();
    const stop = expectBugCheck(a, 0xc4, () => a.cpu.atIrql(DISPATCH_LEVEL, () => a.mm.ExAllocatePoolWithTag('PagedPool', 10, 'Disp')), 0x01);
    assert.deepEqual(stop.parameters.slice(1), [DISPATCH_LEVEL, 1, 10]);
    const b = bootSmallMachine();
    assert.notEqual(b.cpu.atIrql(DISPATCH_LEVEL, () => b.mm.ExAllocatePoolWithTag('NonPagedPool', 10, 'Disp')), null);
    expectBugCheck(b, 0xc4, () => b.cpu.atIrql(DEVICE_LEVEL, () => b.mm.ExAllocatePoolWithTag('NonPagedPool', 10, 'Isr ')), 0x02);
  });
});

describe('fault injection', () => {
  it('fails only the Nth call', () => {
    const machine = bootSmallMachine();
    machine.kernel.faults.add({ point: 'ExAllocatePoolWithTag:NonPagedPool', mode: { kind: 'nth', n: 3 } });
    assert.deepEqual(outcomes(machine, 5), [true, true, false, true, true]);
    assert.equal(machine.kernel.faults.injected.get('ExAllocatePoolWithTag:NonPagedPool'), 1);
  });

  it('fails every call, and every call from the Nth on', () => {
    const every = bootSmallMachine();
    every.kernel.faults.add({ point: 'ExAllocatePoolWithTag:NonPagedPool', mode: { kind: 'every' } });
    assert.deepEqual(outcomes(every, 3), [false, false, false]);
    assert.deepEqual(outcomes(every, 2, 'PagedPool'), [true, true], 'a rule for one pool leaves the other alone');
    const after = bootSmallMachine();
    after.kernel.faults.add({ point: 'ExAllocatePoolWithTag:*', mode: { kind: 'after', n: 3 } });
    assert.deepEqual(outcomes(after, 2).concat(outcomes(after, 2, 'PagedPool')), [true, true, false, false], 'a point ending in * covers both pools');
  });

  it('fails a seeded fraction: the same seed fails the same calls', () => {
    const run = (seed: number) => {
      const machine = bootSmallMachine({ seed });
      machine.kernel.faults.add({ point: 'ExAllocatePoolWithTag:NonPagedPool', mode: { kind: 'fraction', probability: 0.25 } });
      return outcomes(machine, 200);
    };
    const a = run(5);
    assert.deepEqual(run(5), a);
    assert.notDeepEqual(run(6), a);
    const failed = a.filter((ok) => !ok).length;
    assert.ok(failed > 20 && failed < 80, `${failed} of 200 calls failed at probability 0.25`);
    const never = bootSmallMachine();
    never.kernel.faults.add({ point: 'ExAllocatePoolWithTag:NonPagedPool', mode: { kind: 'fraction', probability: 0 } });
    assert.ok(outcomes(never, 50).every(Boolean));
  });

  it('fails the first call from each call site, then lets that site pass', () => {
    const machine = bootSmallMachine();
    machine.kernel.faults.add({ point: 'ExAllocatePoolWithTag:NonPagedPool', mode: { kind: 'first-per-call-site' } });
    assert.deepEqual(outcomes(machine, 2, 'NonPagedPool', 'driver!Start'), [false, true]);
    assert.deepEqual(outcomes(machine, 2, 'NonPagedPool', 'driver!Read'), [false, true]);
    assert.deepEqual(outcomes(machine, 1, 'NonPagedPool', 'driver!Start'), [true]);
  });

  it('a rule narrowed to one call site leaves the others alone, and counts only that site', () => {
    const machine = bootSmallMachine();
    machine.kernel.faults.add({ point: 'ExAllocatePoolWithTag:NonPagedPool', mode: { kind: 'nth', n: 2 }, callSite: 'driver!Read' });
    assert.deepEqual(outcomes(machine, 3, 'NonPagedPool', 'driver!Write'), [true, true, true]);
    assert.deepEqual(outcomes(machine, 3, 'NonPagedPool', 'driver!Read'), [true, false, true]);
  });

  it('clear removes the rules', () => {
    const machine = bootSmallMachine();
    machine.kernel.faults.add({ point: 'ExAllocatePoolWithTag:NonPagedPool', mode: { kind: 'every' } });
    machine.kernel.faults.clear('ExAllocatePoolWithTag:NonPagedPool');
    assert.deepEqual(outcomes(machine, 2), [true, true]);
  });

  it('a rule that could never fire is refused', () => {
    const machine = bootSmallMachine();
    const faults = machine.kernel.faults;
    assert.throws(() => faults.add({ point: 'IoAllocateMdl', mode: { kind: 'nth', n: 0 } }), /n must be a whole number >= 1/);
    assert.throws(() => faults.add({ point: 'IoAllocateMdl', mode: { kind: 'fraction', probability: 1.5 } }), /probability must lie in \[0, 1\]/);
    assert.throws(() => faults.add({ point: '', mode: { kind: 'every' } }), /point must name a routine/);
    assert.throws(() => faults.add({ point: 'IoAllocateMdl', mode: { kind: 'sometimes' } as never }), /unknown mode/);
  });
});
