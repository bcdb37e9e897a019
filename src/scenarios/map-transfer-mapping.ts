/**
 * The old DMA path's mapping (SG-2, SG-6): in the execution routine of
 * AllocateAdapterChannel the driver calls MapTransfer again and again, one
 * element per call, until the whole MDL is mapped, and keeps the channel.
 * FlushAdapterBuffers ends the transfer (bounced data comes back then) and
 * FreeAdapterChannel gives the channel and its registers back.
 */
import { Machine } from '../machine/machine';
import { ADDRESS_AND_SIZE_TO_SPAN_PAGES } from '../contracts/units';
import { DmaAdapter } from '../kernel/hal/dma-adapter';
import { MapRegisterBase } from '../kernel/hal/map-registers';
import { MDL, MmGetMdlVirtualAddress } from '../kernel/mm/mdl';

export interface MapTransferElement {
  readonly address: number;
  readonly length: number;
}

export interface MapTransferMapping {
  readonly adapter: DmaAdapter;
  readonly mdl: MDL;
  readonly writeToDevice: boolean;
  readonly base: MapRegisterBase;
  /** One element per MapTransfer call, in call order. */
  readonly elements: readonly MapTransferElement[];
}

export class ChannelNotGranted extends Error {
  constructor(adapter: DmaAdapter) {
    super(`the adapter channel of ${adapter.label} is held by another request, so the execution routine did not run; free the channel first`);
    this.name = 'ChannelNotGranted';
  }
}

/**
 * Map the whole MDL with MapTransfer, one call per element, in an execution
 * routine that keeps the channel (KeepObject). A MapTransfer that maps
 * nothing ends the mapping early; the elements then cover less than the MDL.
 */
export function mapWithMapTransfer(machine: Machine, driver: string, adapter: DmaAdapter, mdl: MDL, writeToDevice: boolean, deviceObject: object = {}): MapTransferMapping {
  const va = MmGetMdlVirtualAddress(mdl);
  const registers = ADDRESS_AND_SIZE_TO_SPAN_PAGES(va, mdl.ByteCount);
  const ops = adapter.DmaOperations;
  let mapping: MapTransferMapping | null = null;
  machine.cpu.inDriver(driver, () => ops.AllocateAdapterChannel(adapter, deviceObject, registers, (_d, _i, base) => {
    const elements: MapTransferElement[] = [];
    let at = va;
    while (at < va + mdl.ByteCount) {
      const length = { value: va + mdl.ByteCount - at };
      const address = ops.MapTransfer(adapter, mdl, base, at, length, writeToDevice).QuadPart;
      if (length.value === 0) break;
      elements.push({ address, length: length.value });
      at += length.value;
    }
    mapping = { adapter, mdl, writeToDevice, base, elements };
    return 'KeepObject';
  }, null));
  if (!mapping) throw new ChannelNotGranted(adapter);
  return mapping;
}

/** FlushAdapterBuffers over the whole mapped MDL; false when the HAL found nothing to flush. */
export function flushMapping(machine: Machine, driver: string, m: MapTransferMapping): boolean {
  return machine.cpu.inDriver(driver, () => m.adapter.DmaOperations.FlushAdapterBuffers(m.adapter, m.mdl, m.base, MmGetMdlVirtualAddress(m.mdl), m.mdl.ByteCount, m.writeToDevice));
}
