/**
 * Snapshot and restore (src/machine/machine-snapshot.ts): a machine restored
 * from a snapshot, into the memory of a machine released in the middle of a
 * workload, is the machine a boot gives, byte for byte (frame owners and DMA
 * buffers preallocated at boot included); the same workload on either holds
 * the same PFN database and page contents while it runs and ends with the
 * same simulated time and findings; the workload fuzzer finds the same
 * counterexample restoring as booting; released memory is kept within
 * bounds; a snapshot refuses another layout.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { BootConfig, defaultBootConfig } from '../../src/machine/boot-config';
import { Machine } from '../../src/machine/machine';
import { MachineSnapshot, MachineStore } from '../../src/machine/machine-snapshot';
import { GiB, KiB, MiB } from '../../src/contracts/units';
import { FrameFlag, FrameState } from '../../src/kernel/mm/physical-memory';
import { Workload } from '../../src/workload/workload';
import { runStandardWorkload } from '../../src/sweep/standard-workload';
import { checkWorkload } from '../../src/oracles/conformance-oracles';
import { protocolFor } from '../../src/conformance/classes';
import { bootConfigFor } from '../../src/workload/boot-variants';
import { loadDriverModule } from '../../src/personalities/wdm/loader';
import { runCampaign } from '../../src/fuzz/campaign';
import { workloadFuzzTarget } from '../../src/fuzz/workload/workload-fuzzer';
import { referenceDriverFor } from '../drivers/suite-drivers';

const ROOT = path.resolve(__dirname, '..', '..');
const protocol = protocolFor('read-write-direct')!;
const reference = referenceDriverFor('read-write-direct');

const SMALL = bootConfigFor({ ramBytes: 256 * MiB, addressBits: 64, iommu: false, maxTransferLength: 64 * KiB, scatterFrames: true, fragmented: false, deferDmaCallbacks: false, seed: 3 }, protocol.bootOptions);

/**
 * Two of the fuzzer's machines, the small scattered one and one with RAM above 4 GiB behind an IOMMU and
 * a 32-bit device, and the small one with DMA buffers preallocated at boot (which the boot takes frames for).
 */
const CONFIGS: readonly Partial<BootConfig>[] = [
  SMALL,
  bootConfigFor({ ramBytes: 6 * GiB, addressBits: 32, iommu: true, maxTransferLength: 4 * KiB, scatterFrames: true, fragmented: false, deferDmaCallbacks: true, mapRegisterLimit: 16, seed: 11 }, protocol.bootOptions),
  { ...SMALL, dmaPreallocation: { dma0: { DmaFromDeviceCount: 2, DmaFromDeviceBytes: 64 * KiB, DmaFromDeviceOptions: 0x21 } } },
];

/** Everything physical memory holds, as plain data: the PFN arrays, the free count, every written page and every frame's owner. */
function physicalState(machine: Machine) {
  const p = machine.physical;
  const pages: [number, number[]][] = [];
  const owners: [number, number, string][] = [];
  for (let pfn = 0; pfn < p.frameLimit; pfn++) {
    const page = p.peekPage(pfn);
    if (page) pages.push([pfn, [...page]]);
    const owner = p.ownerOf(pfn);
    if (owner) owners.push([pfn, owner.ownerId, owner.ownerName]);
  }
  return {
    arrays: [p.state, p.flags, p.lockCount, p.shareCount, p.owner, p.ownerPage].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64')),
    free: p.freeFrames,
    pages,
    owners,
    systemSpace: machine.mm.systemSpace.ownerId,
  };
}

/**
 * The class's standard workload (the sweep's) on `machine`: what a caller can observe of it, physical
 * memory while its processes still run included; ended (applications exit, driver unloaded) unless `finish` is false.
 */
function runWorkload(machine: Machine, finish = true) {
  const workload = Workload.start(machine, reference);
  runStandardWorkload(workload, protocol, (what, operation) => workload.perform(what, operation));
  const whileRunning = physicalState(machine);
  if (finish) workload.finish();
  return {
    whileRunning,
    now: machine.clock.now,
    cpu: [...machine.clock.cpuNs],
    stop: workload.describeStop(),
    requests: workload.ledger.requests.map((t) => [t.label, t.request.status, t.request.information]),
    dataChecks: workload.dataChecks.map((c) => [c.label, c.mismatch]),
    findings: checkWorkload(workload).map((f) => [f.rule, f.message]),
  };
}

describe('snapshot and restore of a booted machine', () => {
  for (const config of CONFIGS) {
    it(`restores the booted machine byte for byte, and a workload on it runs as on the booted one (${config.ramBytes! / MiB} MiB, seed ${config.seed}${config.dmaPreallocation ? ', DMA buffers preallocated' : ''})`, () => {
      const store = new MachineStore();
      // The first machine of a layout is booted and captured; it is released in the middle of a workload,
      // so the restore below reuses memory that holds another machine's state.
      const first = store.boot({ ...config, seed: config.seed! + 100 });
      runWorkload(first, false);
      assert.ok(first.physical.freeFrames < first.physical.ramFrames, 'the workload should have used frames');
      store.release(first);

      const restored = store.boot(config);
      const booted = Machine.boot(config);
      assert.notEqual(restored.physical, booted.physical);
      assert.deepEqual(physicalState(restored), physicalState(booted));
      for (const index of [0, 1, 1000, booted.physical.ramFrames - 1]) assert.equal(restored.physical.frameAtScatterIndex(index), booted.physical.frameAtScatterIndex(index));

      const onRestored = runWorkload(restored);
      const onBooted = runWorkload(booted);
      assert.ok(onBooted.requests.length > 0 && onBooted.now > 0, 'the workload should have issued requests and taken simulated time');
      assert.ok(onBooted.whileRunning.owners.length > 0, 'processes should have held frames while the workload ran');
      assert.deepEqual(onRestored, onBooted);
      assert.deepEqual(physicalState(restored), physicalState(booted));
    });
  }

  it('restores again and again into memory it restored before (only what changed is rewritten), each time the booted machine', () => {
    const store = new MachineStore();
    const booted = physicalState(Machine.boot(CONFIGS[0]));
    let machine = store.boot({ ...CONFIGS[0], seed: 40 });
    for (let round = 0; round < 3; round++) {
      runWorkload(machine, round % 2 === 0);
      // A device's access marks a frame that nobody holds (DMA to a stray address): the flags are restored too.
      const stray = machine.physical.frameAtScatterIndex(machine.physical.ramFrames - 1 - round);
      assert.equal(machine.physical.state[stray], FrameState.Free);
      machine.physical.flags[stray]! |= FrameFlag.DmaTouched;
      store.release(machine);
      machine = store.boot(CONFIGS[0]);
      assert.deepEqual(physicalState(machine), booted, `restore ${round + 1}`);
    }
  });

  it('leaves a released machine holding no RAM, so a late use finds nothing of the next machine', () => {
    const store = new MachineStore();
    store.boot(CONFIGS[0]);
    const released = store.boot(CONFIGS[0]);
    store.release(released);
    const next = store.boot(CONFIGS[0]);
    assert.equal(released.physical.state.length, 0);
    assert.equal(released.physical.freeFrames, 0);
    assert.equal(next.physical.freeFrames, next.physical.ramFrames);
    assert.ok(next.physical.state.includes(FrameState.Free));
  });

  it('keeps no more released memory than the fuzzer and the scenarios need: a 64 GiB machine released stays as it was', () => {
    const store = new MachineStore();
    const big = store.boot({ ramBytes: 64 * GiB });
    store.release(big);
    assert.equal(big.physical.state.length, big.physical.frameLimit);
    assert.equal(big.physical.freeFrames, big.physical.ramFrames);
  });

  it('refuses to restore a snapshot into a machine of another memory layout, naming both', () => {
    const { snapshot } = MachineSnapshot.boot(defaultBootConfig(CONFIGS[0]));
    assert.throws(() => snapshot.restore(defaultBootConfig(CONFIGS[1])), /layout 268435456\/.* cannot give a machine of layout 6442450944\//);
  });

  it('gives the workload fuzzer the same counterexample, restoring as booting', () => {
    const faultyPath = 'src/conformance/read-write-direct/faulty/double-put.ts';
    const faulty = loadDriverModule(faultyPath, ROOT);
    const found = (machines: MachineStore) => runCampaign(workloadFuzzTarget({ driver: faulty, modulePath: path.join(ROOT, faultyPath), operations: 12, machines }), { seed: 5, runs: 25 });
    const booting = found(new MachineStore({ restore: false }));
    const restoring = found(new MachineStore());
    assert.ok(booting.counterexample, 'the fuzzer should find the double put');
    assert.equal(restoring.runs, booting.runs);
    assert.deepEqual(restoring.counterexample, booting.counterexample);
  });
});
