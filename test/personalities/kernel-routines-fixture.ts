/** kernel-routines-driver.c compiled, and a machine running it with an application that sends its IOCTLs. */
import * as path from 'node:path';
import { Application } from '../../src/kernel/io/application';
import { compileCDriver } from '../../src/personalities/c-wasm/compiler';
import { loadDriverModule } from '../../src/personalities/driver-loader';
import type { DriverModule } from '../../src/personalities/wdm/contract';
import { installDriver } from '../../src/personalities/wdm/loader';
import { bootSmallMachine } from '../mm/machine-fixture';

const ROOT = path.resolve(__dirname, '..', '..');
const SOURCE = 'test/personalities/kernel-routines-driver.c';
const ioctl = (n: number): number => (0x22 << 16) | ((0x900 + n) << 2);
export const IOCTL = {
  WORK_ITEM: ioctl(0), WAIT: ioctl(1), PERIODIC: ioctl(2), SEND_IRP: ioctl(3), CONTIGUOUS_ALLOCATE: ioctl(4), CONTIGUOUS_READ: ioctl(5),
  SYNCHRONIZE: ioctl(6), CSQ_QUEUE: ioctl(7), CSQ_TAKE: ioctl(8), HOLD: ioctl(9), POLL_CANCEL: ioctl(10), BAD_POINTER: ioctl(11),
  DPC_REQUEST: ioctl(12), PROGRAMMED_IO: ioctl(13), LINK: ioctl(14), MAP_IO_SPACE: ioctl(15), PAGE_ARITHMETIC: ioctl(16),
} as const;

/** A machine with the driver started on the DMA test device, and an application with its device open. */
export function startRoutinesDriver(module: DriverModule) {
  const machine = bootSmallMachine();
  const installed = installDriver(machine, module, [machine.bus.functionOf(machine.dmaDevice)]);
  const app = new Application(machine.io, 'app');
  const handle = app.open(`${module.name}#0`);
  /** Send an IOCTL with ULONG input; the request and the output's ULONGs. */
  const send = (code: number, input: readonly number[] = [], outputUlongs = 16, overlapped = false) => {
    const inBuffer = input.length ? app.allocate(4 * input.length) : null;
    if (inBuffer) app.writeBytes(inBuffer, new Uint8Array(Uint32Array.from(input).buffer));
    const out = app.allocate(4 * outputUlongs);
    const request = app.DeviceIoControl(handle, code, inBuffer, inBuffer ? 4 * input.length : 0, out, 4 * outputUlongs, { overlapped });
    const words = () => Array.from(new Uint32Array(app.readBytes(out).slice().buffer));
    return { request, words };
  };
  return { machine, installed, app, handle, send };
}

export async function compiledRoutinesDriver(): Promise<DriverModule> {
  const { wasmPath } = await compileCDriver([SOURCE], ROOT);
  return loadDriverModule(wasmPath, ROOT);
}
