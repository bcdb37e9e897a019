/**
 * Faulty variant of the shared-buffer driver (PAGE-6): it gets a new
 * scatter/gather list for every fill and puts it back afterwards, paying the
 * mapping cost each time instead of once per buffer, which is the whole point
 * of keeping the buffers locked in pending requests.
 */
import type { SCATTER_GATHER_LIST } from '../contract';
import { FillMapping, SharedBufferDevice, sharedBufferDriver } from '../reference/shared-buffer';

const perFill = new WeakMap<object, SCATTER_GATHER_LIST>();

const listPerFill: FillMapping = {
  elements(device, buffer) {
    const adapter = device.adapter!;
    let list: SCATTER_GATHER_LIST | null = null;
    adapter.DmaOperations.GetScatterGatherList(adapter, device.fdo, buffer.mdl, buffer.va, buffer.length, (_d, _i, l) => (list = l), null, false);
    if (list) perFill.set(buffer, list);
    return list ? (list as SCATTER_GATHER_LIST).Elements : null;
  },
  fillEnded(device, buffer) {
    const list = perFill.get(buffer);
    if (!list) return;
    perFill.delete(buffer);
    device.adapter!.DmaOperations.PutScatterGatherList(device.adapter!, list, false);
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
