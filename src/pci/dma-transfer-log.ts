/**
 * How each transfer of the DMA test device ended, kept by the device model
 * (not readable through its registers): the stretch of its data stream the
 * transfer moved, and, when it stopped with an error, the error code, where
 * and at which descriptor. A driver sees only the last transfer's STATUS
 * and ERROR_ADDRESS; the log lets a judge of the run say which device error
 * made a request fail, or that a request reported success for bytes the
 * device never moved.
 *
 * Requests are matched to transfers by stream offset: each request of a
 * workload has its own stretch of the stream, with gaps between them.
 */

/** A half-open stretch of the device's data stream. */
export interface StreamRange {
  readonly offset: number;
  readonly length: number;
}

export interface DeviceTransferRecord {
  /** Host-to-device (the device read memory). */
  readonly toDevice: boolean;
  /** Descriptor-ring mode (false: single buffer). */
  readonly ring: boolean;
  /** Stream offset of the transfer's first byte, and one past the last byte it moved. */
  readonly streamStart: number;
  readonly streamEnd: number;
  /** The device's error code (DmaError); 0 when the transfer ended in Done. */
  readonly errorCode: number;
  /** The error code's name in docs/dma-device.md ("BadLength" ...); "None" for Done. */
  readonly errorName: string;
  /** ERROR_ADDRESS as the device set it (0 for Done). */
  readonly errorAddress: number;
  /** Index of the descriptor the transfer stopped at (ring mode, error only); null otherwise. */
  readonly descriptor: number | null;
  /** Simulated time the transfer ended, in ns. */
  readonly endedNs: number;
}

export class DeviceTransferLog {
  readonly records: DeviceTransferRecord[] = [];

  add(record: DeviceTransferRecord): void {
    this.records.push(record);
  }

  /** Transfers that ended in an error. */
  errors(): DeviceTransferRecord[] {
    return this.records.filter((r) => r.errorCode !== 0);
  }

  /**
   * Errors that stopped the device inside `range` (its end included: a
   * descriptor after the last byte, such as a zero-length one, stops there).
   */
  errorsWithin(range: StreamRange): DeviceTransferRecord[] {
    return this.records.filter((r) => r.errorCode !== 0 && r.streamEnd >= range.offset && r.streamEnd <= range.offset + range.length);
  }

  /**
   * A request over `range` reported `claimedBytes` moved, but the device
   * reported an error there and moved fewer: that error and what it did
   * move. Null when the device reported no error there, or moved every
   * claimed byte after all (the failed part was run again).
   */
  shortfallAfterError(range: StreamRange, claimedBytes: number): { readonly error: DeviceTransferRecord; readonly moved: number } | null {
    const error = this.errorsWithin(range)[0];
    if (!error) return null;
    const claimed = Math.min(claimedBytes, range.length);
    const moved = this.bytesMovedWithin({ offset: range.offset, length: claimed });
    return moved < claimed ? { error, moved } : null;
  }

  /** Bytes of `range` that some transfer moved (each byte counted once, however often it was moved). */
  bytesMovedWithin(range: StreamRange): number {
    const end = range.offset + range.length;
    const pieces = this.records
      .map((r) => [Math.max(r.streamStart, range.offset), Math.min(r.streamEnd, end)] as const)
      .filter(([a, b]) => b > a)
      .sort((x, y) => x[0] - y[0]);
    let moved = 0;
    let reached = range.offset;
    for (const [a, b] of pieces) {
      const from = Math.max(a, reached);
      if (b > from) moved += b - from;
      reached = Math.max(reached, b);
    }
    return moved;
  }
}

/** One device error in words, e.g. "device error BadLength at descriptor 3 (error address 0x1000, stream offset 12288)". */
export function describeDeviceError(r: DeviceTransferRecord): string {
  const where = r.descriptor === null ? '' : ` at descriptor ${r.descriptor}`;
  return `device error ${r.errorName}${where} (error address 0x${r.errorAddress.toString(16)}, stream offset ${r.streamEnd}, ${r.toDevice ? 'host to device' : 'device to host'})`;
}
