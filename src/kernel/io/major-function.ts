/** IRP major function codes: the index into a driver's MajorFunction table, with the documented values. */
export const IRP_MJ_CREATE = 0x00;
export const IRP_MJ_CLOSE = 0x02;
export const IRP_MJ_READ = 0x03;
export const IRP_MJ_WRITE = 0x04;
export const IRP_MJ_FLUSH_BUFFERS = 0x09;
export const IRP_MJ_DEVICE_CONTROL = 0x0e;
export const IRP_MJ_INTERNAL_DEVICE_CONTROL = 0x0f;
export const IRP_MJ_CLEANUP = 0x12;
export const IRP_MJ_POWER = 0x16;
export const IRP_MJ_PNP = 0x1b;
export const IRP_MJ_MAXIMUM_FUNCTION = 0x1b;

const NAMES: Readonly<Record<number, string>> = {
  [IRP_MJ_CREATE]: 'IRP_MJ_CREATE',
  [IRP_MJ_CLOSE]: 'IRP_MJ_CLOSE',
  [IRP_MJ_READ]: 'IRP_MJ_READ',
  [IRP_MJ_WRITE]: 'IRP_MJ_WRITE',
  [IRP_MJ_FLUSH_BUFFERS]: 'IRP_MJ_FLUSH_BUFFERS',
  [IRP_MJ_DEVICE_CONTROL]: 'IRP_MJ_DEVICE_CONTROL',
  [IRP_MJ_INTERNAL_DEVICE_CONTROL]: 'IRP_MJ_INTERNAL_DEVICE_CONTROL',
  [IRP_MJ_CLEANUP]: 'IRP_MJ_CLEANUP',
  [IRP_MJ_POWER]: 'IRP_MJ_POWER',
  [IRP_MJ_PNP]: 'IRP_MJ_PNP',
};

export function majorFunctionName(major: number): string {
  return NAMES[major] ?? `IRP_MJ_0x${major.toString(16)}`;
}
