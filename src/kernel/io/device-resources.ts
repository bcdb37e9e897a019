/**
 * The hardware resources a device is started with: its memory and port
 * ranges (the BARs firmware assigned) and its interrupt. A driver receives
 * these in StartDevice, as a WDM driver receives its translated resource list
 * with IRP_MN_START_DEVICE, and maps or connects them itself.
 */
import { DEVICE_LEVEL, Irql } from '../../machine/irql';
import type { AttachedFunction } from '../../pci/bus';

export interface MemoryResource {
  /** The BAR index this range came from. */
  readonly bar: number;
  /** Physical address of the range (give it to MmMapIoSpace). */
  readonly Start: number;
  readonly Length: number;
  readonly prefetchable: boolean;
}

export interface PortResource {
  readonly bar: number;
  /** First I/O port of the range (for READ_PORT_* / WRITE_PORT_*). */
  readonly Start: number;
  readonly Length: number;
}

export interface InterruptResource {
  /** Give these to IoConnectInterrupt. */
  readonly Vector: number;
  readonly Level: Irql;
  readonly Affinity: number;
}

export interface DeviceResources {
  readonly memory: readonly MemoryResource[];
  readonly ports: readonly PortResource[];
  readonly interrupt: InterruptResource | null;
}

/** The resources of a PCI function as the bus assigned them at boot. */
export function resourcesOf(fn: AttachedFunction): DeviceResources {
  return {
    memory: fn.bars.filter((b) => b.kind === 'memory').map((b) => ({ bar: b.bar, Start: b.base, Length: b.size, prefetchable: b.prefetchable })),
    ports: fn.bars.filter((b) => b.kind === 'io').map((b) => ({ bar: b.bar, Start: b.base, Length: b.size })),
    interrupt: { Vector: fn.interrupt.vector, Level: DEVICE_LEVEL, Affinity: 1 },
  };
}
