/**
 * The simulated kernel of one machine: the memory manager and the MDL
 * routines today; the I/O manager, HAL and verifier attach here as well.
 * A bug check anywhere is recorded here before it unwinds to the caller.
 */
import { BootConfig } from '../machine/boot-config';
import { BugCheck } from '../machine/bug-check';
import { Clock } from '../machine/clock';
import { Cpu } from '../machine/cpu';
import { DriverPlace, DriverPlaceFinder, currentStack } from '../machine/driver-place';
import { Rng } from '../machine/rng';
import { FaultInjector } from './fault-injector';
import { MdlRoutines } from './mm/mdl';
import { MemoryManager } from './mm/memory-manager';
import { PhysicalMemory } from './mm/physical-memory';
import { Process } from './io/process';

export class Kernel {
  readonly faults: FaultInjector;
  readonly mm: MemoryManager;
  readonly mdl: MdlRoutines;
  /** The first bug check the machine stopped with, if any. */
  stopped: BugCheck | null = null;
  /** How to find each loaded driver's frame in a call stack, by driver name (the CPU's, which also records acquisitions). */
  get driverPlaceFinders(): Map<string, DriverPlaceFinder> {
    return this.cpu.driverPlaceFinders;
  }

  constructor(readonly config: BootConfig, readonly physical: PhysicalMemory, readonly clock: Clock, readonly cpu: Cpu, rng: Rng) {
    this.faults = new FaultInjector(rng.fork('faults'));
    this.mm = new MemoryManager(config, physical, clock, cpu, this.faults, (bc) => this.crash(bc));
    this.mdl = new MdlRoutines(this.mm);
  }

  private nextProcessId = 4;
  readonly processes = new Set<Process>();

  createProcess(name: string): Process {
    const p = new Process(this.nextProcessId += 4, name, this.mm.createAddressSpace(name));
    this.processes.add(p);
    return p;
  }

  /**
   * The process ends: its address space is torn down. Pages it still has
   * locked for I/O stop the machine (0xCB naming the driver, else 0x76).
   */
  exitProcess(p: Process): void {
    if (p.exited) return;
    const culprit = this.mdl.lockingMdlIn(p.addressSpace);
    this.mm.deleteAddressSpace(p.addressSpace, culprit ? { driver: culprit.lockedBy, mdlId: culprit.id, lockedAt: culprit.lockedAt } : null);
    p.userMappingsAtExit = this.mdl.dropUserMappings(p);
    p.exited = true;
    this.processes.delete(p);
  }

  /**
   * Where in the running driver's source the machine is now (or where `stack` was taken, in `driver`): the
   * innermost frame of the driver's code; null when no driver code is running or its personality cannot tell.
   */
  placeInDriver(stack: string | null = null, driver: string | null = this.cpu.currentDriver): DriverPlace | null {
    const finder = driver === null ? undefined : this.driverPlaceFinders.get(driver);
    return finder ? finder(stack ?? currentStack()) : null;
  }

  /** Stop the machine. Later bug checks keep the first one as the cause. */
  crash(bugCheck: BugCheck): never {
    if (bugCheck.place === undefined) {
      const place = this.placeInDriver();
      if (place) bugCheck.place = place;
    }
    if (!this.stopped) this.stopped = bugCheck;
    throw bugCheck;
  }
}
