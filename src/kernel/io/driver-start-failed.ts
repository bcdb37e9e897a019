/**
 * A driver that could not be started: DriverEntry, AddDevice or StartDevice
 * returned a failure status, or did not do what the routine must do. The
 * message names the driver, the routine and the status.
 */
import { NtStatus } from '../../machine/ntstatus';
import { statusName } from '../../machine/ntstatus';

export class DriverStartFailed extends Error {
  constructor(readonly driverName: string, readonly routine: string, readonly status: NtStatus | null, detail?: string) {
    super(`driver ${driverName} failed to start: ${routine} ${detail ?? `returned ${statusName(status ?? 0)}`}`);
    this.name = 'DriverStartFailed';
  }
}
