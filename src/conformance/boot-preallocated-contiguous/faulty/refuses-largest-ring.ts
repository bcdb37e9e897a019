/**
 * Faulty variant of reference driver 5 (common-buffer-ring), breaking CONT-3:
 * its count check is one off at the documented maximum (`<` where the
 * install configuration allows up to RING_MAXIMUM_BUFFERS buffers per
 * direction, 256 included), so a ring of all 256 preallocated buffers is
 * refused and the buffers set aside for it stay unused.
 */
import { RING_MAXIMUM_BUFFERS } from '../interface';
import { RingDevice, commonBufferRingDriver } from '../reference';

class RefusesLargestRing extends RingDevice {
  protected override ringShapeAllowed(bytes: number, count: number): boolean {
    return count < RING_MAXIMUM_BUFFERS && super.ringShapeAllowed(bytes, count);
  }
}

export default commonBufferRingDriver({
  name: 'ring-refuses-largest-ring',
  breaksRule: 'CONT-3',
  description: 'Checks the ring\'s buffer count with < 256, so a ring of the 256 buffers the install configuration may preallocate is refused.',
}, RefusesLargestRing);
