/**
 * Faulty variant of the mapped-buffer driver (CONT-6): its size check is one
 * off at the class's documented maximum (`<` where the interface says "1 ..
 * MAPPED_BUFFER_MAXIMUM", both ends included), so an application that asks
 * for the largest buffer the class must map gets an error and no mapping.
 */
import { MAPPED_BUFFER_MAXIMUM } from '../interface';
import { MappedBufferDevice, mappedBufferDriver } from '../reference';

class RefusesLargestBuffer extends MappedBufferDevice {
  protected override sizeAllowed(bytes: number): boolean {
    return bytes >= 1 && bytes < MAPPED_BUFFER_MAXIMUM;
  }
}

export default mappedBufferDriver({
  name: 'mapped-buffer-refuses-largest-buffer',
  breaksRule: 'CONT-6',
  description: 'Checks the requested size with < MAPPED_BUFFER_MAXIMUM, so the largest buffer the class must map is refused.',
}, RefusesLargestBuffer);
