/**
 * Booting and physical memory: a bad boot configuration is refused naming the
 * problem; a 64 GiB machine boots with at most 16 bytes of PFN metadata per
 * frame; frames are handed out in a seeded scattered order that is a
 * bijection on the RAM frames; page contents cost memory only once written;
 * addresses that are not RAM are refused; contiguous memory that is there at
 * boot is gone once memory has fragmented (CONT-2).
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { BootConfig, FOUR_GIB, defaultBootConfig } from '../../src/machine/boot-config';
import { Machine } from '../../src/machine/machine';
import { GiB, MiB, PAGE_SIZE } from '../../src/contracts/units';
import { FrameOwner, FrameState, OutOfPhysicalMemory, PhysicalMemory } from '../../src/kernel/mm/physical-memory';
import { bootSmallMachine } from './machine-fixture';

function refused(overrides: Partial<BootConfig>, mentions: string): void {
  assert.throws(
    () => Machine.boot(overrides),
    (e: unknown) => e instanceof RangeError && e.message.startsWith('invalid boot configuration') && e.message.includes(mentions),
    `boot with ${JSON.stringify(overrides)} should be refused naming "${mentions}"`,
  );
}

describe('boot configuration', () => {
  it('boots with the defaults and keeps what the overrides ask for', () => {
    const config = defaultBootConfig({ ramBytes: 1 * GiB, seed: 7, systemPtes: 100 });
    assert.equal(config.ramBytes, 1 * GiB);
    assert.equal(config.seed, 7);
    assert.equal(config.systemPtes, 100);
    const machine = Machine.boot({ ramBytes: 1 * GiB, seed: 7, systemPtes: 100 });
    assert.equal(machine.config.ramBytes, 1 * GiB);
    assert.equal(machine.mm.systemPtes.count, 100);
    assert.equal(machine.mm.nonPagedPool.limitPages, machine.config.nonPagedPoolBytes / PAGE_SIZE);
    assert.equal(machine.mm.pagingFile.slotCount, machine.config.pagingFileBytes / PAGE_SIZE);
  });

  it('refuses sizes that are not whole pages', () => {
    refused({ ramBytes: 1 * GiB + 12 }, 'ramBytes must be a whole number of pages');
    refused({ nonPagedPoolBytes: 100 }, 'nonPagedPoolBytes must be a whole number of pages');
    refused({ pagedPoolBytes: -PAGE_SIZE }, 'pagedPoolBytes must be a whole number of pages');
    refused({ pagingFileBytes: Number.NaN }, 'pagingFileBytes must be a whole number of pages');
    refused({ deviceHoleBytes: 1.5 * PAGE_SIZE }, 'deviceHoleBytes must be a whole number of pages');
  });

  it('refuses RAM below 64 MiB or above 1 TiB', () => {
    refused({ ramBytes: 32 * MiB, nonPagedPoolBytes: 4 * MiB, pagedPoolBytes: 4 * MiB }, 'ramBytes must be at least 64 MiB');
    refused({ ramBytes: 2048 * GiB }, 'ramBytes above 1 TiB');
  });

  it('refuses a device hole that leaves no RAM below 4 GiB', () => {
    refused({ deviceHoleBytes: 4 * GiB - 32 * MiB }, 'deviceHoleBytes leaves no RAM below 4 GiB');
  });

  it('refuses pools larger than half of RAM', () => {
    refused({ ramBytes: 256 * MiB, nonPagedPoolBytes: 100 * MiB, pagedPoolBytes: 100 * MiB }, 'the pools may take at most half of RAM');
  });

  it('refuses too few system PTEs, a bad seed and inverted working-set limits', () => {
    refused({ systemPtes: 8 }, 'systemPtes must be at least 16');
    refused({ systemPtes: 16.5 }, 'systemPtes must be at least 16');
    refused({ seed: 1.5 }, 'seed must be an integer');
    refused({ workingSetMinimumPages: 500, workingSetMaximumPages: 100 }, 'workingSetMinimumPages exceeds workingSetMaximumPages');
  });

  it('lists every problem at once', () => {
    assert.throws(
      () => Machine.boot({ ramBytes: 1 * GiB + 1, systemPtes: 1 }),
      (e: unknown) => e instanceof RangeError && e.message.includes('ramBytes') && e.message.includes('systemPtes'),
    );
  });
});

describe('a 256 MiB machine', () => {
  it('sizes its PFN database to the installed RAM, not to 4 GiB of address space, and nothing above RAM is RAM', () => {
    const machine = bootSmallMachine();
    const physical = machine.physical;
    assert.equal(physical.frameLimit, (256 * MiB) / PAGE_SIZE);
    for (const a of [physical.state, physical.flags, physical.lockCount, physical.shareCount, physical.owner, physical.ownerPage]) assert.equal(a.length, physical.frameLimit);
    assert.ok(physical.isRam(physical.frameLimit - 1), 'the last frame is RAM');
    assert.ok(!physical.isRam(physical.frameLimit), 'the frame above RAM is not');
    assert.ok(!physical.isRam((4 * GiB - machine.config.deviceHoleBytes) / PAGE_SIZE), 'the device hole is not RAM');
    assert.ok(!physical.isRam((4 * GiB) / PAGE_SIZE - 1), 'the top of the 4 GiB space is not RAM');
  });
});

describe('a contiguous search across the device hole', () => {
  /** The search as its contract states it: the highest run of `count` free frames within [lo, hi], frame by frame. */
  function naiveHighestRun(physical: PhysicalMemory, count: number, highest: number): number {
    let run = 0;
    for (let pfn = Math.min(Math.floor((highest + 1) / PAGE_SIZE), physical.frameLimit) - 1; pfn >= 0; pfn--) {
      run = physical.state[pfn] === FrameState.Free ? run + 1 : 0;
      if (run === count) return pfn;
    }
    return -1;
  }

  it('finds the same frames as a frame-by-frame search, below the hole and above it, never spanning it', () => {
    const machine = bootSmallMachine({ ramBytes: 6 * GiB });
    const physical = machine.physical;
    const owner = physical.registerOwner((ownerId) => ({ ownerId, ownerName: 'test' }));
    for (const [count, highest] of [[4, FOUR_GIB - 1], [16, FOUR_GIB + 64 * MiB], [2, 6 * GiB], [8, 2 * FOUR_GIB]] as const) {
      const expected = naiveHighestRun(physical, count, highest);
      assert.ok(expected >= 0, `a run of ${count} exists below 0x${highest.toString(16)}`);
      assert.equal(physical.allocateContiguous(owner, count, 0, highest, 0), expected, `${count} frames at most at 0x${highest.toString(16)}`);
    }
  });
});

describe('a 64 GiB machine', () => {
  const machine = Machine.boot({ ramBytes: 64 * GiB });
  const physical = machine.physical;

  it('boots with every RAM frame free and no page contents', () => {
    const holeFrames = machine.config.deviceHoleBytes / PAGE_SIZE;
    const firmwareFrames = 256;
    assert.equal(physical.ramFrames, (64 * GiB) / PAGE_SIZE - firmwareFrames);
    assert.equal(physical.freeFrames, physical.ramFrames);
    assert.equal(physical.frameLimit, (64 * GiB + machine.config.deviceHoleBytes) / PAGE_SIZE);
    assert.ok(physical.isRam(physical.frameLimit - 1), 'the last frame is RAM');
    assert.ok(!physical.isRam((4 * GiB) / PAGE_SIZE - holeFrames), 'the device hole is not RAM');
    assert.equal(physical.contentBytes, 0);
  });

  it('keeps at most 16 bytes of PFN metadata per frame', () => {
    assert.ok(PhysicalMemory.metadataBytesPerFrame <= 16, `metadataBytesPerFrame is ${PhysicalMemory.metadataBytesPerFrame}`);
    const arrays = [physical.state, physical.flags, physical.lockCount, physical.shareCount, physical.owner, physical.ownerPage];
    for (const a of arrays) assert.equal(a.length, physical.frameLimit, 'one entry per frame');
    const bytes = arrays.reduce((sum, a) => sum + a.byteLength, 0);
    const perFrame = bytes / physical.frameLimit;
    assert.equal(perFrame, PhysicalMemory.metadataBytesPerFrame, 'the declared figure matches the arrays');
    assert.ok(perFrame <= 16, `the PFN database takes ${perFrame} bytes per frame`);
  });

  it('hands out frames from above 4 GiB too', () => {
    const owner = physical.registerOwner((ownerId) => ({ ownerId, ownerName: 'test' }));
    const frames = Array.from({ length: 64 }, (_, i) => physical.allocateFrame(owner, i, FrameState.NonPaged));
    assert.ok(frames.some((pfn) => pfn >= (4 * GiB) / PAGE_SIZE), 'a scattered order over 64 GiB reaches the RAM above 4 GiB');
    assert.equal(physical.freeFrames, physical.ramFrames - 64);
  });
});

function ownerIn(machine: Machine): FrameOwner {
  return machine.physical.registerOwner((ownerId) => ({ ownerId, ownerName: 'test owner' }));
}

function take(machine: Machine, count: number): number[] {
  const owner = ownerIn(machine);
  return Array.from({ length: count }, (_, i) => machine.physical.allocateFrame(owner, i, FrameState.Pageable));
}

function adjacentPairs(frames: number[]): number {
  return frames.slice(1).filter((pfn, i) => pfn === frames[i]! + 1).length;
}

describe('scattered frame order', () => {
  it('consecutive allocations are not physically consecutive', () => {
    const frames = take(Machine.boot({ ramBytes: 1 * GiB }), 1000);
    assert.ok(adjacentPairs(frames) < 10, `${adjacentPairs(frames)} of 999 consecutive allocations were physically adjacent`);
    // The same measure on a machine booted without scattering shows what the test detects.
    const inOrder = take(Machine.boot({ ramBytes: 1 * GiB, scatterFrames: false }), 1000);
    assert.equal(adjacentPairs(inOrder), 999);
  });

  it('the scattered order is a bijection onto the RAM frames', () => {
    const machine = bootSmallMachine({ ramBytes: 64 * MiB, nonPagedPoolBytes: 4 * MiB, pagedPoolBytes: 4 * MiB });
    const { physical } = machine;
    const seen = new Set<number>();
    for (let i = 0; i < physical.ramFrames; i++) {
      const pfn = physical.frameAtScatterIndex(i);
      assert.ok(physical.isRam(pfn), `scatter index ${i} maps to frame ${pfn}, which is not RAM`);
      seen.add(pfn);
    }
    assert.equal(seen.size, physical.ramFrames, 'every RAM frame appears exactly once');
    assert.throws(() => physical.frameAtScatterIndex(physical.ramFrames), RangeError);
  });

  it('every RAM frame is handed out exactly once, in the scattered order', () => {
    const machine = bootSmallMachine({ ramBytes: 64 * MiB, nonPagedPoolBytes: 4 * MiB, pagedPoolBytes: 4 * MiB });
    const { physical } = machine;
    const owner = ownerIn(machine);
    const handedOut: number[] = [];
    for (;;) {
      const pfn = physical.tryAllocateFrame(owner, handedOut.length, FrameState.NonPaged);
      if (pfn < 0) break;
      handedOut.push(pfn);
    }
    assert.equal(handedOut.length, physical.ramFrames);
    assert.equal(new Set(handedOut).size, physical.ramFrames, 'no frame handed out twice');
    assert.equal(physical.freeFrames, 0);
    // Had the order skipped frames, the rest would come from a sweep in address order instead.
    handedOut.forEach((pfn, i) => assert.equal(pfn, physical.frameAtScatterIndex(i), `allocation ${i}`));
    assert.throws(() => physical.allocateFrame(owner, 0, FrameState.NonPaged), OutOfPhysicalMemory);
  });

  it('the same seed gives the same frames, another seed other frames', () => {
    const a = take(Machine.boot({ ramBytes: 1 * GiB, seed: 42 }), 64);
    const b = take(Machine.boot({ ramBytes: 1 * GiB, seed: 42 }), 64);
    const c = take(Machine.boot({ ramBytes: 1 * GiB, seed: 43 }), 64);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    const common = a.filter((pfn) => c.includes(pfn)).length;
    assert.ok(common < 8, `${common} of 64 frames are the same under another seed`);
  });

  it('a freed frame is the next one handed out, to whoever asks', () => {
    const machine = bootSmallMachine();
    const [first, second] = take(machine, 2);
    machine.physical.freeFrame(first!);
    const [next] = take(machine, 1);
    assert.equal(next, first);
    assert.notEqual(next, second);
  });
});

describe('sparse page contents', () => {
  it('a frame never written costs no content memory and reads as zeros', () => {
    const machine = bootSmallMachine();
    const { physical } = machine;
    const [pfn] = take(machine, 1);
    assert.equal(physical.contentBytes, 0);
    assert.deepEqual(physical.read(pfn! * PAGE_SIZE, 16), new Uint8Array(16));
    assert.equal(physical.contentBytes, 0, 'reading does not create contents');
  });

  it('contentBytes grows only on write, a page at a time, and shrinks when the frame is freed', () => {
    const machine = bootSmallMachine();
    const { physical } = machine;
    const [a, b] = take(machine, 2);
    physical.write(a! * PAGE_SIZE + 100, Uint8Array.of(1, 2, 3));
    assert.equal(physical.contentBytes, PAGE_SIZE);
    physical.write(a! * PAGE_SIZE + 200, Uint8Array.of(4));
    assert.equal(physical.contentBytes, PAGE_SIZE, 'a second write to the same page costs nothing more');
    physical.write(b! * PAGE_SIZE, Uint8Array.of(5));
    assert.equal(physical.contentBytes, 2 * PAGE_SIZE);
    assert.deepEqual(physical.read(a! * PAGE_SIZE + 99, 5), Uint8Array.of(0, 1, 2, 3, 0));
    physical.freeFrame(a!);
    assert.equal(physical.contentBytes, PAGE_SIZE);
  });

  it('demand-zero pages the CPU only reads cost no content memory', () => {
    const machine = bootSmallMachine();
    const p = machine.kernel.createProcess('reader');
    const va = machine.mm.allocateVirtual(p.addressSpace, 16 * PAGE_SIZE);
    const before = machine.physical.contentBytes;
    machine.cpu.inProcess(p, () => assert.deepEqual(machine.mm.readVirtual(va, 16 * PAGE_SIZE), new Uint8Array(16 * PAGE_SIZE)));
    assert.equal(p.addressSpace.residentPages(), 16, 'the pages were faulted in');
    assert.equal(machine.physical.contentBytes, before);
    machine.cpu.inProcess(p, () => machine.mm.writeVirtual(va + 5 * PAGE_SIZE, Uint8Array.of(9)));
    assert.equal(machine.physical.contentBytes, before + PAGE_SIZE);
  });
});

describe('physical addresses that are not RAM', () => {
  it('reading or writing the device hole, the firmware frames or past the top of RAM is refused', () => {
    const machine = Machine.boot({ ramBytes: 8 * GiB });
    const { physical } = machine;
    const hole = FOUR_GIB - machine.config.deviceHoleBytes;
    assert.throws(() => physical.write(hole, Uint8Array.of(1)), /is not RAM/);
    assert.throws(() => physical.read(0x1000, 4), /is not RAM/);
    assert.throws(() => physical.read(physical.highRamTop, 4), /is not RAM/);
    assert.throws(() => physical.read(hole - 2, 4), /is not RAM/, 'a read that runs into the hole');
    assert.throws(() => physical.read(FOUR_GIB, -1), /length must be a whole non-negative number/);
    assert.equal(physical.contentBytes, 0, 'nothing was stored for the refused write');
  });

  it('a contiguous request with a boundary that is not a power of two is refused', () => {
    const machine = bootSmallMachine();
    const owner = ownerIn(machine);
    assert.throws(() => machine.physical.allocateContiguous(owner, 2, 0, 2 ** 40, 3 * PAGE_SIZE), /boundary must be 0 or a power of two/);
    assert.throws(() => machine.physical.allocateContiguous(owner, -1, 0, 2 ** 40, 0), /count must be a whole number/);
  });
});

describe('contiguous memory and fragmentation (CONT-2)', () => {
  const request = 1 * MiB;

  function contiguousFrames(machine: Machine, va: number, bytes: number): number[] {
    return Array.from({ length: bytes / PAGE_SIZE }, (_, i) => machine.mm.translate(va + i * PAGE_SIZE));
  }

  it('a contiguous request succeeds at boot and its frames are physically consecutive', () => {
    const machine = bootSmallMachine();
    const va = machine.mm.MmAllocateContiguousMemorySpecifyCache(request, 0, 2 ** 40, 0, 'MmCached');
    assert.notEqual(va, null);
    const frames = contiguousFrames(machine, va!, request);
    frames.forEach((pfn, i) => assert.equal(pfn, frames[0]! + i));
    for (const pfn of frames) assert.equal(machine.physical.state[pfn], FrameState.NonPaged);
    const free = machine.physical.freeFrames;
    machine.mm.MmFreeContiguousMemory(va!);
    assert.equal(machine.physical.freeFrames, free + request / PAGE_SIZE);
  });

  it('the same request fails once scattered allocations have fragmented memory, with plenty still free', () => {
    const machine = bootSmallMachine();
    const app = machine.kernel.createProcess('app');
    const pages = Math.floor(machine.physical.ramFrames / 2);
    const va = machine.mm.allocateVirtual(app.addressSpace, pages * PAGE_SIZE);
    machine.cpu.inProcess(app, () => {
      for (let i = 0; i < pages; i++) machine.mm.readVirtual(va + i * PAGE_SIZE, 1);
    });
    const free = machine.physical.freeFrames;
    assert.ok(free * PAGE_SIZE > 100 * request, `${free} frames are still free`);
    assert.equal(machine.mm.MmAllocateContiguousMemorySpecifyCache(request, 0, 2 ** 40, 0, 'MmCached'), null);
    assert.equal(machine.physical.freeFrames, free, 'the failed request took nothing');
    assert.equal(machine.mm.systemPtes.inUse, 0, 'nor any system PTE');
    machine.kernel.exitProcess(app);
    assert.notEqual(machine.mm.MmAllocateContiguousMemorySpecifyCache(request, 0, 2 ** 40, 0, 'MmCached'), null, 'with the process gone memory is whole again');
  });

  it('honours the acceptable range and the boundary', () => {
    const machine = bootSmallMachine();
    const va = machine.mm.MmAllocateContiguousMemorySpecifyCache(8 * PAGE_SIZE, 16 * MiB, 32 * MiB - 1, 16 * PAGE_SIZE, 'MmNonCached')!;
    const frames = contiguousFrames(machine, va, 8 * PAGE_SIZE);
    assert.ok(frames[0]! * PAGE_SIZE >= 16 * MiB && (frames[7]! + 1) * PAGE_SIZE <= 32 * MiB);
    assert.equal(Math.floor(frames[0]! / 16), Math.floor(frames[7]! / 16), 'the run does not cross a 64 KiB boundary');
    assert.throws(() => machine.mm.MmAllocateContiguousMemorySpecifyCache(PAGE_SIZE, 0, 2 ** 40, 3 * PAGE_SIZE, 'MmCached'), /boundary must be 0 or a power of two/);
    assert.equal(machine.mm.systemPtes.inUse, 8, 'the refused request took no system PTE');
  });
});
