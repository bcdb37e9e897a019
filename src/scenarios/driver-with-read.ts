/**
 * A driver written in a few lines, for kernel-rule scenarios and unit tests
 * about what the I/O manager does with a driver's IRPs: its create routine
 * succeeds, its read routine is the caller's, and it attaches one device to
 * the function it is started on.
 */
import { STATUS } from '../machine/ntstatus';
import {
  DEVICE_OBJECT, DO_DEVICE_INITIALIZING, DRIVER_OBJECT, DriverModule, FILE_DEVICE_UNKNOWN, IRP, IRP_MJ_CREATE, IRP_MJ_READ, KernelApi, NtStatus,
} from '../personalities/wdm/contract';

export type ReadDispatch = (k: KernelApi, device: DEVICE_OBJECT, irp: IRP) => NtStatus;

export function driverWithRead(name: string, read: ReadDispatch, extra: Partial<DriverModule> = {}): DriverModule {
  let k: KernelApi;
  return {
    name,
    conformanceClasses: ['read-write-direct'],
    DriverEntry(DriverObject: DRIVER_OBJECT, kernel: KernelApi) {
      k = kernel;
      DriverObject.MajorFunction[IRP_MJ_CREATE] = (_d, irp) => {
        irp.IoStatus.Status = STATUS.SUCCESS;
        k.IoCompleteRequest(irp, 0);
        return STATUS.SUCCESS;
      };
      DriverObject.MajorFunction[IRP_MJ_READ] = (d, irp) => read(k, d, irp);
      return STATUS.SUCCESS;
    },
    AddDevice(DriverObject: DRIVER_OBJECT, pdo: DEVICE_OBJECT) {
      const { DeviceObject } = k.IoCreateDevice(DriverObject, 0, null, FILE_DEVICE_UNKNOWN, 0, false);
      k.IoAttachDeviceToDeviceStack(DeviceObject!, pdo);
      DeviceObject!.Flags &= ~DO_DEVICE_INITIALIZING;
      return STATUS.SUCCESS;
    },
    StartDevice: () => STATUS.SUCCESS,
    ...extra,
  };
}
