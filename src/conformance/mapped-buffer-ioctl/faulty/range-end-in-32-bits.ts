/**
 * Faulty variant of the mapped-buffer driver (MDL-2): it computes the end of
 * a transfer's range as offset + bytes in 32 bits, as a C driver summing two
 * ULONGs does. A hostile offset near 4 GiB wraps the sum to a small number
 * that passes the check, and the driver builds its partial MDL over memory
 * outside the buffer's MDL, which stops the machine (0x40) as on Windows.
 */
import type { TransferOrder } from '../interface';
import { MappedBuffer, MappedBufferDevice, mappedBufferDriver } from '../reference';

class RangeEndIn32Bits extends MappedBufferDevice {
  protected override rangeInsideBuffer(order: TransferOrder, buffer: MappedBuffer): boolean {
    return order.bytes !== 0 && ((order.offset + order.bytes) >>> 0) <= buffer.bytes;
  }
}

export default mappedBufferDriver({
  name: 'mapped-buffer-range-end-in-32-bits',
  breaksRule: 'MDL-2',
  description: 'Computes a transfer\'s end as a 32-bit sum, so an offset near 4 GiB wraps past the range check.',
}, RangeEndIn32Bits);
