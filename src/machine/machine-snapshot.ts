/**
 * A booted machine kept to be restored instead of booted again.
 *
 * Booting is dominated by the PFN database: six typed arrays, one entry per
 * frame (31 MiB for the default 8 GiB machine, 24 MiB for the fuzzer's 6 GiB
 * one). Allocating them anew for every scenario, sweep run and fuzz run costs
 * tens of milliseconds, most of it the garbage collection that so much fresh
 * memory sets off. A restore instead copies the snapshot's PFN database into
 * the arrays of a machine its user has released (`release`), which is a
 * plain memory copy, and only of the runs of frames claimed since those
 * arrays last matched the same snapshot (PhysicalMemory's restore); with
 * none released it allocates them as a boot does.
 *
 * What is captured, and why that is the whole machine: physical memory as
 * the boot found it, before the kernel, the PCI bus, the devices, the HAL
 * and the I/O manager were built on it. A restore gives a new machine that
 * memory, restored, and builds the rest on it exactly as the boot did; that
 * rest is a few milliseconds of construction (clock at time 0, CPU, random
 * source, pools, system PTEs, the system address space and its frame owners,
 * PCI configuration and BARs, DMA buffers preallocated at boot), a pure
 * function of the configuration and the memory it is built on. Nothing that
 * runs later (a driver, a process, a clock event) is in a snapshot: those
 * hold the driver's routines and pending events as functions and closures.
 *
 * Physical memory at boot does not depend on the seed (the seed orders the
 * frames handed out, from keys the restored memory computes for its own
 * seed), so one snapshot serves every machine of the same memory layout:
 * the fuzzer's runs draw a new seed each and still restore.
 *
 * Determinism: a restored machine is byte for byte the booted one, and a run
 * on it gives the same results and simulated time (test/machine/machine-snapshot.test.ts).
 */
import { BootConfig, defaultBootConfig } from './boot-config';
import { Machine } from './machine';
import { PfnStorage, PhysicalMemory, PhysicalMemorySnapshot } from '../kernel/mm/physical-memory';

/** What a snapshot depends on: the configuration's memory layout. Machines that share it share the snapshot. */
function memoryLayoutKey(config: BootConfig): string {
  return `${config.ramBytes}/${config.deviceHoleBytes}`;
}

export class MachineSnapshot {
  private constructor(
    readonly layoutKey: string,
    private readonly physical: PhysicalMemorySnapshot,
  ) {}

  /** Boot a machine of `config`, capturing its physical memory as the boot found it. */
  static boot(config: BootConfig): { readonly machine: Machine; readonly snapshot: MachineSnapshot } {
    const physical = new PhysicalMemory(config);
    const snapshot = new MachineSnapshot(memoryLayoutKey(config), physical.snapshot());
    return { machine: Machine.bootOnMemory(config, physical), snapshot };
  }

  /** A machine of `config` (same memory layout as the captured one), in `storage` when given: the machine a boot of `config` gives. */
  restore(config: BootConfig, storage: PfnStorage | null = null): Machine {
    const key = memoryLayoutKey(config);
    if (key !== this.layoutKey) throw new RangeError(`a snapshot of memory layout ${this.layoutKey} (RAM bytes/device hole bytes) cannot give a machine of layout ${key}`);
    return Machine.bootOnMemory(config, new PhysicalMemory(config, { snapshot: this.physical, storage }));
  }
}

/** Released PFN storage kept per layout: the fuzzer alternates two layouts, a scenario run uses one or two. */
const SPARE_STORAGE_PER_LAYOUT = 2;
/** And in all: enough for the fuzzer's and the scenarios' machines, not for a 64 GiB one kept after its scenario. */
const SPARE_STORAGE_BYTES = 160 * 1024 * 1024;

/** Bytes of PFN arrays for `frames` frames. */
function storageBytes(frames: number): number {
  return frames * PhysicalMemory.metadataBytesPerFrame;
}

/**
 * The machines of one process: booted once per memory layout, then restored
 * from that boot's snapshot, into the storage of machines released.
 */
export class MachineStore {
  private readonly snapshots = new Map<string, MachineSnapshot>();
  private readonly spare = new Map<string, PfnStorage[]>();
  private spareBytes = 0;

  /** `restore` false: boot every machine (the reference a restore is compared with). */
  constructor(private readonly options: { readonly restore: boolean } = { restore: true }) {}

  /** A machine of `overrides`: restored from the snapshot of its memory layout, booted (and captured) the first time. */
  boot(overrides: Partial<BootConfig> = {}): Machine {
    const config = defaultBootConfig(overrides);
    if (!this.options.restore) return Machine.boot(config);
    const key = memoryLayoutKey(config);
    const snapshot = this.snapshots.get(key);
    if (!snapshot) {
      const booted = MachineSnapshot.boot(config);
      this.snapshots.set(key, booted.snapshot);
      return booted.machine;
    }
    const storage = this.spare.get(key)?.pop() ?? null;
    if (storage) this.spareBytes -= storageBytes(storage.state.length);
    return snapshot.restore(config, storage);
  }

  /**
   * The caller is done with `machine`: its PFN arrays back a later restore
   * (unless enough are kept already). The machine must not be used afterwards.
   */
  release(machine: Machine): void {
    if (!this.options.restore) return;
    const key = memoryLayoutKey(machine.config);
    const spare = this.spare.get(key) ?? [];
    const bytes = storageBytes(machine.physical.frameLimit);
    if (spare.length >= SPARE_STORAGE_PER_LAYOUT || this.spareBytes + bytes > SPARE_STORAGE_BYTES) return;
    const storage = machine.physical.surrenderStorage();
    if (!storage) return;
    spare.push(storage);
    this.spare.set(key, spare);
    this.spareBytes += bytes;
  }

  /** Forget every snapshot and released storage (a benchmark measuring from a cold start). */
  clear(): void {
    this.snapshots.clear();
    this.spare.clear();
    this.spareBytes = 0;
  }
}

/** The process's machines: the fuzzer, the sweep and the scenarios' boot restore from here. */
export const machines = new MachineStore();
