/**
 * Faulty variant of the direct-I/O driver (SG-2): it maps transfers through
 * the old packet-based path (AllocateAdapterChannel, MapTransfer,
 * FlushAdapterBuffers, FreeAdapterChannel) but keeps the reference driver's
 * habit of mapping the next transfer while the device runs the current one.
 * The adapter channel serves one request at a time, so the second request
 * asks for the channel its own device object already holds.
 */
import { ADDRESS_AND_SIZE_TO_SPAN_PAGES, NT_SUCCESS, STATUS } from '../../../personalities/wdm/contract';
import type { MDL, MapRegisterBase, SCATTER_GATHER_ELEMENT } from '../../../personalities/wdm/contract';
import { DirectIoDevice, TransferMapping, directIoDriver } from '../reference';

/** What a transfer holds while it is mapped: the map registers, and the partial MDL over its piece. */
interface ChannelMapping {
  readonly base: MapRegisterBase;
  readonly piece: MDL;
}

const adapterChannelMapping: TransferMapping = {
  map(device, transfer, mapped) {
    const adapter = device.adapter!;
    const { request } = transfer;
    const start = request.va + transfer.offset;
    // MapTransfer numbers the map registers from its MDL's first page: a partial MDL over the piece needs only the piece's.
    const piece = device.k.IoAllocateMdl(start, transfer.length, false, false, null);
    if (!piece) return STATUS.INSUFFICIENT_RESOURCES;
    device.k.IoBuildPartialMdl(request.mdl as MDL, piece, start, transfer.length);
    const registers = ADDRESS_AND_SIZE_TO_SPAN_PAGES(start, transfer.length);
    const status = adapter.DmaOperations.AllocateAdapterChannel(adapter, device.fdo, registers, (_device, _irp, base: MapRegisterBase) => {
      const elements: SCATTER_GATHER_ELEMENT[] = [];
      for (let done = 0; done < transfer.length;) {
        const length = { value: transfer.length - done };
        const address = adapter.DmaOperations.MapTransfer(adapter, piece, base, start + done, length, request.write);
        elements.push({ Address: address.QuadPart, Length: length.value });
        done += length.value;
      }
      const mapping: ChannelMapping = { base, piece };
      mapped(elements, mapping);
      return 'KeepObject';
    }, null);
    if (!NT_SUCCESS(status)) device.k.IoFreeMdl(piece);
    return status;
  },
  release(device, transfer) {
    const adapter = device.adapter!;
    const { request } = transfer;
    const { base, piece } = transfer.mapping as ChannelMapping;
    adapter.DmaOperations.FlushAdapterBuffers(adapter, piece, base, request.va + transfer.offset, transfer.length, request.write);
    adapter.DmaOperations.FreeAdapterChannel(adapter);
    device.k.IoFreeMdl(piece);
    transfer.mapping = null;
  },
};

class SharedChannelDevice extends DirectIoDevice {
  protected override transferMapping(): TransferMapping {
    return adapterChannelMapping;
  }
}

export default directIoDriver({
  name: 'direct-io-shared-adapter-channel',
  breaksRule: 'SG-2',
  description: 'Maps through the adapter channel for one request while another request still holds it.',
}, SharedChannelDevice);
