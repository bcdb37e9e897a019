/**
 * The device object a driver passes to AllocateAdapterChannel and the
 * scatter/gather routines. The HAL only hands it back to the execution
 * routine, with its CurrentIrp as the routine's Irp argument, so any object
 * will do (the I/O manager's DEVICE_OBJECT in practice).
 */
export type DmaDeviceObject = object;

/** The Irp argument of an execution routine: the device object's CurrentIrp, when it has one. */
export function currentIrpOf(deviceObject: DmaDeviceObject): unknown {
  return (deviceObject as { CurrentIrp?: unknown }).CurrentIrp ?? null;
}
