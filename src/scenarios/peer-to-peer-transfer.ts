/**
 * DEV-6: the DMA test device masters a transfer straight into the GPU's
 * memory BAR. The device is programmed in single-buffer mode (no descriptor
 * fetched from RAM), so the bus statistics show whether any byte crossed host
 * RAM: none should.
 */
import { Machine } from '../machine/machine';
import { FrameFlag } from '../kernel/mm/physical-memory';
import { GpuAllocation } from '../pci/gpu-device';
import { Completion, DeviceTransferResult, DmaDirection, runSingleTransfers } from './dma-test-device-programming';

export interface PeerTransfer {
  readonly device: DeviceTransferResult;
  /** Bytes the bus carried to and from host RAM during the transfer. */
  readonly ramBytes: number;
  /** Bytes the bus carried from one device straight to another. */
  readonly peerBytes: number;
  /** Host RAM frames first touched by device DMA during the transfer. */
  readonly framesTouched: number;
}

function ramBytes(machine: Machine): number {
  return machine.bus.stats.dmaBytesFromRam + machine.bus.stats.dmaBytesToRam;
}

/** The device moves `length` bytes between its pattern and GPU memory `allocation`, peer to peer. */
export function transferWithGpuMemory(machine: Machine, allocation: GpuAllocation, length: number, direction: DmaDirection, completion: Completion = 'polling'): PeerTransfer {
  if (length > allocation.length) throw new RangeError(`${length} bytes do not fit the GPU allocation of ${allocation.length} bytes`);
  const ramBefore = ramBytes(machine);
  const peerBefore = machine.bus.stats.dmaBytesPeerToPeer;
  const touchedBefore = dmaTouchedFrames(machine);
  const device = runSingleTransfers(machine, [{ address: allocation.busAddress, length }], direction, completion);
  return {
    device,
    ramBytes: ramBytes(machine) - ramBefore,
    peerBytes: machine.bus.stats.dmaBytesPeerToPeer - peerBefore,
    framesTouched: dmaTouchedFrames(machine) - touchedBefore,
  };
}

/** RAM frames any device DMA has touched since boot. */
export function dmaTouchedFrames(machine: Machine): number {
  const flags = machine.physical.flags;
  let n = 0;
  for (let pfn = 0; pfn < flags.length; pfn++) if (flags[pfn]! & FrameFlag.DmaTouched) n++;
  return n;
}
