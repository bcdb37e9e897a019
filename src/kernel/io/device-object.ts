/**
 * DEVICE_OBJECT: one device a driver serves. Its Flags tell the I/O manager
 * how to hand read and write buffers to the driver (DO_DIRECT_IO: an MDL the
 * I/O manager locked; DO_BUFFERED_IO: a non-paged copy; neither: the user's
 * address). The device extension is the driver's own per-device state.
 */
import type { AttachedFunction } from '../../pci/bus';
import type { KDPC } from './dpc';
import type { DeviceResources } from './device-resources';
import type { DRIVER_OBJECT } from './driver-object';
import type { IRP } from './irp';
import type { Acquisition } from '../../machine/driver-place';

export const DO_VERIFY_VOLUME = 0x0002;
export const DO_BUFFERED_IO = 0x0004;
export const DO_EXCLUSIVE = 0x0008;
export const DO_DIRECT_IO = 0x0010;
export const DO_DEVICE_INITIALIZING = 0x0080;
export const DO_POWER_PAGABLE = 0x2000;

export class DEVICE_OBJECT {
  Flags = DO_DEVICE_INITIALIZING;
  /** The driver's per-device state: whatever it keeps there. */
  DeviceExtension: any = {};
  /** The next device object of the same driver. */
  NextDevice: DEVICE_OBJECT | null = null;
  /** The device attached on top of this one (IoAttachDeviceToDeviceStack). */
  AttachedDevice: DEVICE_OBJECT | null = null;
  /** The device this one is attached to. */
  lowerDevice: DEVICE_OBJECT | null = null;
  /** Stack locations an IRP for this device needs. */
  StackSize = 1;
  AlignmentRequirement = 0;
  /** The IRP the device is working on, when the driver keeps it here (the HAL hands it to execution routines). */
  CurrentIrp: IRP | null = null;
  /** The DPC IoInitializeDpcRequest set up for IoRequestDpc. */
  Dpc: KDPC | null = null;
  /** The PCI function behind the device, if it drives hardware. */
  pci: AttachedFunction | null = null;
  /** The resources StartDevice received. */
  resources: DeviceResources | null = null;
  started = false;
  deleted = false;
  /** Where the driver created it (IoCreateDevice), for a device object left after RemoveDevice. */
  createdAt: Acquisition | null = null;

  constructor(
    /** A number that identifies the device object in reports (its "address"). */
    readonly id: number,
    readonly DriverObject: DRIVER_OBJECT,
    /** The name given to IoCreateDevice, e.g. "\\Device\\Dma0", or null for an unnamed device. */
    readonly DeviceName: string | null,
    readonly DeviceType: number,
    readonly Characteristics: number,
    readonly Exclusive: boolean,
  ) {}

  get driverName(): string {
    return this.DriverObject.DriverName;
  }

  /** How reports name the device. */
  get displayName(): string {
    return this.DeviceName ?? `${this.DriverObject.DriverName} device #${this.id}`;
  }
}
