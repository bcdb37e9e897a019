/**
 * I/O control codes: CTL_CODE packs the device type, function number,
 * buffering method and required access into one 32-bit code, as the Windows
 * headers do. The method decides how the I/O manager hands the caller's
 * buffers to the driver (see request-buffers.ts).
 */
export const METHOD_BUFFERED = 0;
export const METHOD_IN_DIRECT = 1;
export const METHOD_OUT_DIRECT = 2;
export const METHOD_NEITHER = 3;

export type TransferMethod = typeof METHOD_BUFFERED | typeof METHOD_IN_DIRECT | typeof METHOD_OUT_DIRECT | typeof METHOD_NEITHER;

export const FILE_ANY_ACCESS = 0;
export const FILE_READ_ACCESS = 1;
export const FILE_WRITE_ACCESS = 2;

/** Device types below 0x8000 are Microsoft's; FILE_DEVICE_UNKNOWN is the usual one for a custom device. */
export const FILE_DEVICE_UNKNOWN = 0x22;

export function CTL_CODE(DeviceType: number, Function: number, Method: TransferMethod, Access: number): number {
  const problems: string[] = [];
  if (!(Number.isInteger(DeviceType) && DeviceType >= 0 && DeviceType <= 0xffff)) problems.push(`device type ${DeviceType} is not a 16-bit value`);
  if (!(Number.isInteger(Function) && Function >= 0 && Function <= 0xfff)) problems.push(`function ${Function} is not a 12-bit value`);
  if (!(Number.isInteger(Method) && Method >= 0 && Method <= 3)) problems.push(`method ${Method} is not one of METHOD_BUFFERED/IN_DIRECT/OUT_DIRECT/NEITHER (0..3)`);
  if (!(Number.isInteger(Access) && Access >= 0 && Access <= 3)) problems.push(`access ${Access} is not a 2-bit value`);
  if (problems.length > 0) throw new RangeError(`CTL_CODE: ${problems.join('; ')}`);
  return ((DeviceType << 16) | (Access << 14) | (Function << 2) | Method) >>> 0;
}

export function METHOD_FROM_CTL_CODE(code: number): TransferMethod {
  return (code & 3) as TransferMethod;
}

export function DEVICE_TYPE_FROM_CTL_CODE(code: number): number {
  return (code >>> 16) & 0xffff;
}

export function methodName(method: TransferMethod): string {
  return ['METHOD_BUFFERED', 'METHOD_IN_DIRECT', 'METHOD_OUT_DIRECT', 'METHOD_NEITHER'][method]!;
}
