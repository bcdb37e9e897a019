/**
 * Faulty variant of the direct-I/O driver (SG-2): it maps transfers through
 * the old packet-based path (AllocateAdapterChannel, MapTransfer,
 * FlushAdapterBuffers, FreeAdapterChannel) but keeps the reference driver's
 * habit of mapping the next transfer while the device runs the current one.
 * The adapter channel serves one request at a time, so the second request
 * asks for the channel its own device object already holds.
 */
import { ADDRESS_AND_SIZE_TO_SPAN_PAGES, PAGE_SIZE } from '../../../personalities/wdm/contract';
import type { MDL, MapRegisterBase, SCATTER_GATHER_ELEMENT } from '../../../personalities/wdm/contract';
import { DirectIoDevice, TransferMapping, directIoDriver } from '../reference';

const adapterChannelMapping: TransferMapping = {
  map(device, transfer, mapped) {
    const adapter = device.adapter!;
    const { request } = transfer;
    const start = request.va + transfer.offset;
    // MapTransfer numbers the registers from the MDL's first page.
    const registers = ADDRESS_AND_SIZE_TO_SPAN_PAGES(start, transfer.length) + (Math.floor(start / PAGE_SIZE) - Math.floor(request.va / PAGE_SIZE));
    return adapter.DmaOperations.AllocateAdapterChannel(adapter, device.fdo, registers, (_device, _irp, base: MapRegisterBase) => {
      const elements: SCATTER_GATHER_ELEMENT[] = [];
      for (let done = 0; done < transfer.length;) {
        const length = { value: transfer.length - done };
        const address = adapter.DmaOperations.MapTransfer(adapter, request.mdl as MDL, base, start + done, length, request.write);
        elements.push({ Address: address.QuadPart, Length: length.value });
        done += length.value;
      }
      mapped(elements, base);
      return 'KeepObject';
    }, null);
  },
  release(device, transfer) {
    const adapter = device.adapter!;
    const { request } = transfer;
    adapter.DmaOperations.FlushAdapterBuffers(adapter, request.mdl, transfer.mapping as MapRegisterBase, request.va + transfer.offset, transfer.length, request.write);
    adapter.DmaOperations.FreeAdapterChannel(adapter);
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
