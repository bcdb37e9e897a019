/**
 * Requests for an adapter's channel (SG-2), made the way a driver of the old
 * DMA path makes them: AllocateAdapterChannel with an execution routine that
 * records when and at which IRQL it ran, and returns what the driver chose
 * (keep the channel, release it, or release it but keep the map registers).
 */
import { Machine } from '../machine/machine';
import { NtStatus } from '../machine/ntstatus';
import { IO_ALLOCATION_ACTION } from '../kernel/hal/adapter-channel';
import { DmaAdapter } from '../kernel/hal/dma-adapter';
import { MapRegisterBase } from '../kernel/hal/map-registers';

export interface AdapterChannelRequest {
  readonly deviceName: string;
  readonly adapter: DmaAdapter;
  readonly mapRegisters: number;
  readonly action: IO_ALLOCATION_ACTION;
  readonly status: NtStatus;
  /** Whether, when (simulated ns) and at which IRQL the execution routine ran. */
  ran: boolean;
  ranAtNs: number;
  irql: number;
  /** The map register base the routine received. */
  base: MapRegisterBase | null;
}

export const ALLOCATION_ACTIONS: readonly IO_ALLOCATION_ACTION[] = ['KeepObject', 'DeallocateObject', 'DeallocateObjectKeepRegisters'];

/** AllocateAdapterChannel for `deviceObject`; the routine may run now or when the channel comes free. */
export function requestAdapterChannel(machine: Machine, driver: string, adapter: DmaAdapter, deviceObject: { readonly name: string }, mapRegisters: number, action: IO_ALLOCATION_ACTION): AdapterChannelRequest {
  if (!ALLOCATION_ACTIONS.includes(action)) throw new RangeError(`unknown IO_ALLOCATION_ACTION "${action}": it is one of ${ALLOCATION_ACTIONS.join(', ')}`);
  const request: { -readonly [K in keyof AdapterChannelRequest]: AdapterChannelRequest[K] } = {
    deviceName: deviceObject.name, adapter, mapRegisters, action, status: 0, ran: false, ranAtNs: -1, irql: -1, base: null,
  };
  request.status = machine.cpu.inDriver(driver, () => adapter.DmaOperations.AllocateAdapterChannel(adapter, deviceObject, mapRegisters, (_device, _irp, base) => {
    request.ran = true;
    request.ranAtNs = machine.clock.now;
    request.irql = machine.cpu.irql;
    request.base = base;
    return action;
  }, null));
  return request;
}

/** FreeAdapterChannel, as the driver that holds the channel. */
export function freeAdapterChannel(machine: Machine, driver: string, adapter: DmaAdapter): void {
  machine.cpu.inDriver(driver, () => adapter.DmaOperations.FreeAdapterChannel(adapter));
}

/** FreeMapRegisters of the registers a request's routine received. */
export function freeMapRegisters(machine: Machine, driver: string, request: AdapterChannelRequest): void {
  if (!request.base) throw new Error(`the execution routine for device "${request.deviceName}" has not run, so it holds no map registers to free`);
  const base = request.base;
  machine.cpu.inDriver(driver, () => request.adapter.DmaOperations.FreeMapRegisters(request.adapter, base, request.mapRegisters));
}
