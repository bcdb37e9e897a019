/**
 * Where the device's DMA went. The trace sits on the bus in front of the DMA
 * verifier (which it forwards every event to, so the verifier still checks
 * every frame) and notes each device access to a frame that no workload
 * application and no kernel component owns at that moment: a free frame, or
 * a frame of a process the workload did not start. Those are the accesses
 * the rule "no DMA touches memory the application does not own" forbids,
 * whether or not the frame happened to be locked.
 *
 * It also hands on the device's own record of how each transfer ended
 * (error code, descriptor, stretch of the stream moved), so a judge can say
 * which device error a request met.
 */
import { AddressSpace } from '../kernel/mm/address-space';
import type { Machine } from '../machine/machine';
import { formatAddress } from '../contracts/units';
import type { DevicePeerAccess, DeviceRamAccess, DmaFault, DmaObserver } from '../pci/dma-observer';
import type { DeviceTransferLog } from '../pci/dma-transfer-log';

/** A device access to a frame the workload's applications and the system do not own. */
export interface StrayAccess {
  readonly pfn: number;
  readonly physicalAddress: number;
  readonly length: number;
  readonly write: boolean;
  /** Who owned the frame at the moment of the access ("nobody (free)" for a free frame). */
  readonly owner: string;
  readonly atNs: number;
}

/** Stray accesses kept for the report; `strayCount` counts them all. */
const KEPT_STRAY_ACCESSES = 32;

export class DmaTrace implements DmaObserver {
  /** Processes whose frames the device may touch: the workload's applications. */
  private readonly allowedOwners = new Set<number>();
  readonly stray: StrayAccess[] = [];
  strayCount = 0;
  /** Device accesses to RAM seen, and bytes moved by them. */
  accesses = 0;
  bytesWritten = 0;
  bytesRead = 0;

  private constructor(private readonly machine: Machine, private readonly next: DmaObserver) {}

  /** Put a trace on the machine's bus, in front of its DMA verifier. */
  static install(machine: Machine): DmaTrace {
    const trace = new DmaTrace(machine, machine.verifier);
    machine.bus.setObserver(trace);
    return trace;
  }

  /** How each transfer of the machine's DMA test device ended. */
  get deviceLog(): DeviceTransferLog {
    return this.machine.dmaDevice.transferLog;
  }

  /** The device may touch the frames of this process (a workload application's address space). */
  allow(addressSpace: AddressSpace): void {
    this.allowedOwners.add(addressSpace.ownerId);
  }

  onDeviceAccess(access: DeviceRamAccess): void {
    this.accesses++;
    if (access.write) this.bytesWritten += access.length;
    else this.bytesRead += access.length;
    const owner = this.machine.physical.ownerOf(access.pfn);
    // Kernel memory (pool, contiguous memory, common buffers, file sections) is the driver's business; a process's is not.
    const stray = !owner || (owner instanceof AddressSpace && !owner.isSystem && !this.allowedOwners.has(owner.ownerId));
    if (stray) {
      this.strayCount++;
      if (this.stray.length < KEPT_STRAY_ACCESSES) {
        this.stray.push({ pfn: access.pfn, physicalAddress: access.physicalAddress, length: access.length, write: access.write, owner: owner ? `process ${owner.ownerName}` : 'nobody (free)', atNs: access.atNs });
      }
    }
    this.next.onDeviceAccess(access);
  }

  onDmaFault(fault: DmaFault): void {
    this.next.onDmaFault(fault);
  }

  onPeerAccess(access: DevicePeerAccess): void {
    this.next.onPeerAccess(access);
  }
}

export function describeStrayAccess(a: StrayAccess): string {
  return `the device ${a.write ? 'wrote' : 'read'} ${a.length} byte(s) at ${formatAddress(a.physicalAddress)} (frame ${a.pfn}), which belonged to ${a.owner}, at ${a.atNs} ns`;
}
