/**
 * DRIVER_OBJECT: what the I/O manager knows of a loaded driver. DriverEntry
 * fills in the MajorFunction table (one dispatch routine per IRP major
 * function) and may set DriverUnload; the I/O manager calls them.
 */
import { NtStatus } from '../../machine/ntstatus';
import type { DEVICE_OBJECT } from './device-object';
import type { IRP } from './irp';
import { IRP_MJ_MAXIMUM_FUNCTION } from './major-function';

export type DRIVER_DISPATCH = (DeviceObject: DEVICE_OBJECT, Irp: IRP) => NtStatus;
export type DRIVER_UNLOAD = (DriverObject: DRIVER_OBJECT) => void;
export type DRIVER_ADD_DEVICE = (DriverObject: DRIVER_OBJECT, PhysicalDeviceObject: DEVICE_OBJECT) => NtStatus;

export class DRIVER_OBJECT {
  /** Dispatch routines by IRP major function; null entries get STATUS_INVALID_DEVICE_REQUEST. */
  readonly MajorFunction: (DRIVER_DISPATCH | null)[] = new Array<DRIVER_DISPATCH | null>(IRP_MJ_MAXIMUM_FUNCTION + 1).fill(null);
  DriverUnload: DRIVER_UNLOAD | null = null;
  readonly DriverExtension: { AddDevice: DRIVER_ADD_DEVICE | null } = { AddDevice: null };
  /** First of the device objects this driver created (IoCreateDevice links them through NextDevice). */
  DeviceObject: DEVICE_OBJECT | null = null;
  unloaded = false;

  constructor(readonly DriverName: string) {}

  /** The device objects of this driver, in creation order. */
  devices(): DEVICE_OBJECT[] {
    const out: DEVICE_OBJECT[] = [];
    for (let d = this.DeviceObject; d; d = d.NextDevice) out.push(d);
    return out.reverse();
  }
}
