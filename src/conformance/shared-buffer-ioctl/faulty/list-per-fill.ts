/**
 * Faulty variant of the shared-buffer driver (PAGE-6): it gets a new
 * scatter/gather list for every fill and puts it back afterwards, paying the
 * mapping cost each time instead of once per buffer, which is the whole point
 * of keeping the buffers locked in pending requests.
 */
import { FillMapping, SharedBufferDevice, sharedBufferDriver } from '../reference';

/** Every buffer is treated like one that bounces: its list goes back after each fill and a new one comes for the next. */
const listPerFill: FillMapping = {
  elements(device, buffer) {
    if (!buffer.list) device.getList(buffer);
    return buffer.listPending ? 'pending' : buffer.list?.Elements ?? null;
  },
  fillEnded(device, buffer) {
    device.putList(buffer);
  },
};

class ListPerFillDevice extends SharedBufferDevice {
  protected override fillMapping(): FillMapping {
    return listPerFill;
  }
}

export default sharedBufferDriver({
  name: 'shared-buffer-list-per-fill',
  breaksRule: 'PAGE-6',
  description: 'Builds and puts back a scatter/gather list for every fill instead of once per buffer.',
}, ListPerFillDevice);
