/**
 * Faulty variant of reference driver 5 (common-buffer-ring), breaking DEV-3:
 * when the device fails a batch, it ends the request in the device's error
 * status but reports the bytes of every batch it started, the failed one
 * included, as transferred. The application is told of data the device never
 * moved. Only a device error part-way through a request shows it.
 */
import { RingDevice, RingRequest, commonBufferRingDriver } from '../reference';

class ErrorClaimsBatch extends RingDevice {
  protected override bytesOnError(request: RingRequest, batchBytes: number): number {
    return request.done + batchBytes;
  }
}

export default commonBufferRingDriver({
  name: 'ring-error-claims-batch',
  breaksRule: 'DEV-3',
  description: 'Completes a request the device failed with the device\'s error status and a byte count that includes the batch the device did not finish.',
}, ErrorClaimsBatch);
