/**
 * Issue 2's figures: booting a 64 GiB machine, and the PFN database's bytes
 * per frame; and the small machine the fuzzers boot for most runs (256 MiB):
 * its boot time and its PFN database against the installed RAM (issue 18:
 * sized to the RAM, not to a 4 GiB address space).
 *
 * The boot is timed against the processor's floor for a PFN database that
 * marks every RAM frame at boot: one byte per frame written for every RAM
 * frame (one fill) into memory already mapped, measured in the same call. The bytes per frame
 * come from the arrays the booted machine actually holds.
 */
import { Machine } from '../src/machine/machine';
import { MachineStore } from '../src/machine/machine-snapshot';
import { GiB, MiB, PAGE_SIZE } from '../src/contracts/units';
import type { BootConfig } from '../src/machine/boot-config';
import { FrameState } from '../src/kernel/mm/physical-memory';
import { BenchResult } from './bench-result';
import { collectGarbage, nowNs } from './support/timing';

export const repetitions = 5;

const RAM_BYTES = 64 * GiB;
const FIRST_USE_FRAMES = 65_536;
/** The workload fuzzer's small machine (src/workload/boot-variants.ts), with pools that fit it. */
const SMALL_MACHINE = { ramBytes: 256 * MiB, nonPagedPoolBytes: 8 * MiB, pagedPoolBytes: 8 * MiB, pagingFileBytes: 32 * MiB, seed: 3 };
const SMALL_BOOTS = 20;

/** The typed arrays of the PFN database: every own property of PhysicalMemory that is a typed array. */
function pfnDatabaseBytes(machine: Machine): number {
  let bytes = 0;
  for (const value of Object.values(machine.physical)) if (ArrayBuffer.isView(value)) bytes += value.byteLength;
  return bytes;
}

export async function run(): Promise<BenchResult[]> {
  collectGarbage();
  let start = nowNs();
  const machine = Machine.boot({ ramBytes: RAM_BYTES, seed: 3 });
  const bootNs = nowNs() - start;

  // The boot leaves most of the PFN arrays untouched, so the OS maps their pages only when frames are first used.
  const owner = machine.physical.registerOwner((ownerId) => ({ ownerId, ownerName: 'benchmark' }));
  start = nowNs();
  for (let i = 0; i < FIRST_USE_FRAMES; i++) machine.physical.allocateFrame(owner, i, FrameState.Pageable);
  const firstUseNs = nowNs() - start;

  const frames = machine.physical.frameLimit;
  const bytesPerFrame = pfnDatabaseBytes(machine) / frames;
  const declared = (machine.physical.constructor as unknown as { metadataBytesPerFrame: number }).metadataBytesPerFrame;

  // Floor: the processor's share of marking every RAM frame at boot — one byte per frame written in one fill, into memory already mapped.
  const floor = new Uint8Array(frames).fill(0);
  start = nowNs();
  floor.fill(1, 0, machine.physical.ramFrames);
  const floorNs = nowNs() - start;
  if (floor[0] !== 1) throw new Error('floor allocation was not written');

  collectGarbage();
  start = nowNs();
  let small = Machine.boot(SMALL_MACHINE);
  for (let i = 1; i < SMALL_BOOTS; i++) small = Machine.boot(SMALL_MACHINE);
  const smallBootNs = (nowNs() - start) / SMALL_BOOTS;
  const smallPfnBytes = pfnDatabaseBytes(small);
  const smallRamFrames = SMALL_MACHINE.ramBytes / PAGE_SIZE;

  // Restoring instead (src/machine/machine-snapshot.ts), each machine released before the next, as the fuzzer,
  // the sweep and the scenarios do: the small machine, and the default 8 GiB one every scenario boots.
  const restoreNs = (overrides: Partial<BootConfig>, booted: number): { restoreNs: number; bootNs: number } => {
    const store = new MachineStore();
    store.release(store.boot(overrides));
    collectGarbage();
    let at = nowNs();
    for (let i = 0; i < SMALL_BOOTS; i++) store.release(store.boot({ ...overrides, seed: i + 1 }));
    const restored = (nowNs() - at) / SMALL_BOOTS;
    if (booted > 0) return { restoreNs: restored, bootNs: booted };
    collectGarbage();
    at = nowNs();
    for (let i = 0; i < SMALL_BOOTS; i++) Machine.boot({ ...overrides, seed: i + 1 });
    return { restoreNs: restored, bootNs: (nowNs() - at) / SMALL_BOOTS };
  };
  const smallRestore = restoreNs(SMALL_MACHINE, smallBootNs);
  const defaultRestore = restoreNs({}, 0);

  return [
    { name: 'boot 64 GiB machine', value: bootNs / 1e6, unit: 'ms wall clock', targets: [{ comparison: 'at most', value: 1000, source: 'issue 2: well under a second' }], note: 'Machine.boot({ ramBytes: 64 GiB }): PFN database, memory manager, PCI bus with DMA and GPU devices, HAL, I/O manager' },
    { name: 'boot 64 GiB vs typed-array floor (time ratio)', value: bootNs / floorNs, unit: 'x the floor', ratio: true, note: 'boot time divided by writing one byte per RAM frame into memory already mapped; the rest is the OS mapping the fresh pages the boot writes, allocation, and the devices' },
    { name: 'PFN metadata per frame', value: bytesPerFrame, unit: 'bytes/frame', ratio: true, targets: [{ comparison: 'at most', value: 16, source: 'issues 2 and 7; Windows x64 PFN entry is 48' }], note: `typed arrays of the PFN database / ${formatFrames(frames)} frames (declared: ${declared})` },
    { name: 'PFN metadata vs Windows x64 PFN entry (48 bytes)', value: bytesPerFrame / 48, unit: 'ratio', ratio: true },
    { name: 'boot 256 MiB machine', value: smallBootNs / 1e6, unit: 'ms wall clock', note: `mean of ${SMALL_BOOTS} boots of the workload fuzzer's small machine` },
    {
      name: 'PFN database of a 256 MiB machine vs its RAM frames (entries per frame)', value: small.physical.state.length / smallRamFrames, unit: 'entries per RAM frame', ratio: true,
      targets: [{ comparison: 'at most', value: 1, source: 'issue 18: PFN metadata sized to the installed RAM' }],
      note: `${formatFrames(small.physical.state.length)} entries, ${(smallPfnBytes / MiB).toFixed(2)} MiB of PFN arrays, for ${formatFrames(smallRamFrames)} frames of RAM`,
    },
    { name: 'restore 256 MiB machine', value: smallRestore.restoreNs / 1e6, unit: 'ms wall clock', note: `mean of ${SMALL_BOOTS} restores from its snapshot, each into the memory of the machine released before it` },
    { name: 'restore vs boot, 256 MiB machine (time ratio)', value: smallRestore.restoreNs / smallRestore.bootNs, unit: 'ratio', ratio: true },
    { name: 'boot 8 GiB machine (the scenarios\' default)', value: defaultRestore.bootNs / 1e6, unit: 'ms wall clock', note: `mean of ${SMALL_BOOTS} boots` },
    { name: 'restore 8 GiB machine (the scenarios\' default)', value: defaultRestore.restoreNs / 1e6, unit: 'ms wall clock', note: `mean of ${SMALL_BOOTS} restores from its snapshot, each into the memory of the machine released before it` },
    { name: 'restore vs boot, 8 GiB machine (time ratio)', value: defaultRestore.restoreNs / defaultRestore.bootNs, unit: 'ratio', ratio: true },
    {
      name: 'first 65,536 frames (256 MiB) handed out after boot', value: firstUseNs / 1e6, unit: 'ms wall clock',
      note: 'physical.allocateFrame in the seeded scattered order right after the boot: the scattered frames touch pages of the PFN arrays the OS has not mapped yet, a cost the boot time does not show',
    },
  ];
}

function formatFrames(n: number): string {
  return n.toLocaleString('en-US');
}
