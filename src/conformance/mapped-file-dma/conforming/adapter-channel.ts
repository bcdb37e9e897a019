/**
 * A conforming mapped-file-dma driver that maps each transfer with
 * packet-based DMA instead of a scatter/gather list, as the class's contract
 * allows: a partial MDL of the locked view for the transfer
 * (IoBuildPartialMdl, so its first page takes the first map register), the
 * adapter channel and map registers from AllocateAdapterChannel (the
 * registers kept, the channel given back: DeallocateObjectKeepRegisters),
 * MapTransfer run by run, and when the device is done FlushAdapterBuffers,
 * FreeMapRegisters and the partial MDL freed. The view's locking and
 * unlocking, the queue and the watchdog are the reference driver's
 * (reference.ts).
 */
import { ADDRESS_AND_SIZE_TO_SPAN_PAGES, NT_SUCCESS, STATUS } from '../../../personalities/wdm/contract';
import type { MDL, MapRegisterBase, NtStatus, SCATTER_GATHER_ELEMENT } from '../../../personalities/wdm/contract';
import { MappedFileDevice, MappedFileRequest, mappedFileDriver } from '../reference';

/** What one transfer's mapping holds until the device is done with it. */
interface ChannelMapping {
  /** The partial MDL of the transfer's part of the view. */
  readonly piece: MDL;
  readonly start: number;
  readonly registers: number;
  /** Set by the execution routine. */
  base: MapRegisterBase | null;
  /** Bytes MapTransfer mapped: what FlushAdapterBuffers ends. */
  mapped: number;
}

class AdapterChannelMappedFile extends MappedFileDevice {
  protected override mapTransfer(request: MappedFileRequest, mapped: (elements: readonly SCATTER_GATHER_ELEMENT[]) => void): NtStatus {
    const k = this.k;
    const adapter = this.adapter!;
    const start = request.view + request.done;
    const piece = k.IoAllocateMdl(start, request.transferLength, false, false, null);
    if (!piece) return STATUS.INSUFFICIENT_RESOURCES;
    k.IoBuildPartialMdl(request.mdl!, piece, start, request.transferLength);
    const mapping: ChannelMapping = { piece, start, registers: ADDRESS_AND_SIZE_TO_SPAN_PAGES(start, request.transferLength), base: null, mapped: 0 };
    request.mapping = mapping;
    const status = adapter.DmaOperations.AllocateAdapterChannel(adapter, this.fdo, mapping.registers, (_device, _irp, base: MapRegisterBase) => {
      mapping.base = base;
      const elements: SCATTER_GATHER_ELEMENT[] = [];
      while (mapping.mapped < request.transferLength) {
        const length = { value: request.transferLength - mapping.mapped };
        const address = adapter.DmaOperations.MapTransfer(adapter, piece, base, start + mapping.mapped, length, !request.intoView);
        if (length.value === 0) break; // the device's address space is full: move what is mapped, the rest in the next transfer
        elements.push({ Address: address.QuadPart, Length: length.value });
        mapping.mapped += length.value;
      }
      request.transferLength = mapping.mapped;
      mapped(elements);
      return 'DeallocateObjectKeepRegisters';
    }, null);
    if (!NT_SUCCESS(status)) {
      k.IoFreeMdl(piece);
      request.mapping = null;
    }
    return status;
  }

  /** The device is done (DISPATCH_LEVEL): bounced data comes back, the registers and the partial MDL go. */
  protected override releaseTransfer(request: MappedFileRequest): void {
    const mapping = request.mapping as ChannelMapping;
    const adapter = this.adapter!;
    if (mapping.mapped > 0) adapter.DmaOperations.FlushAdapterBuffers(adapter, mapping.piece, mapping.base!, mapping.start, mapping.mapped, !request.intoView);
    adapter.DmaOperations.FreeMapRegisters(adapter, mapping.base!, mapping.registers);
    this.k.IoFreeMdl(mapping.piece);
    request.mapping = null;
  }
}

export default mappedFileDriver({
  name: 'mapped-file-adapter-channel',
  description: 'DMA into or out of a mapped file view, each transfer mapped with AllocateAdapterChannel and MapTransfer over a partial MDL, flushed and its map registers freed when the device is done.',
}, AdapterChannelMappedFile);
