/**
 * A start the driver refused, finished as the PnP manager finishes it, and
 * what the driver left. After a failed StartDevice the device is removed
 * (the driver's RemoveDevice must cope with a device that never started)
 * and the driver, left with no device, is unloaded; after a failed
 * AddDevice it is only unloaded; after a failed DriverEntry it was never
 * loaded. Then nothing of the driver may remain: the HAL and the I/O manager
 * report DMA adapters, common buffers, device objects and interrupts left
 * at unload (the verifier oracle shows them); pool, MDLs and contiguous
 * memory are counted here, since the workload's leftovers oracle needs a
 * started driver.
 */
import type { OracleFinding } from '../oracles/oracle-finding';
import type { Workload } from '../workload/workload';
import { stopFrom } from '../workload/workload-stop';
import type { RuleRef } from '../rules/rule-ref';

export function finishRefusedStart(workload: Workload): void {
  const { machine } = workload;
  const stop = workload.stop;
  if (stop?.kind !== 'start failed' || machine.kernel.stopped) return;
  const object = machine.io.driverObject(workload.driverName);
  if (!object) return;
  try {
    if (stop.failure.routine !== 'AddDevice') for (const fdo of object.devices()) machine.io.removeDevice(fdo);
    machine.io.unloadDriver(object);
  } catch (e) {
    const next = stopFrom(e, `removing the device of driver ${workload.driverName} after its failed start`, machine.kernel.stopped);
    if (!next) throw e;
    workload.stop = next;
  }
}

/** Pool, MDLs and contiguous memory of the driver still allocated after a refused start was finished. */
export function leftAfterRefusedStart(workload: Workload): OracleFinding[] {
  const { machine, driverName } = workload;
  if (workload.stop?.kind !== 'start failed' || machine.kernel.stopped) return [];
  const pool = [machine.mm.nonPagedPool, machine.mm.pagedPool].flatMap((p) => [...p.allocations.values()]).filter((a) => a.driver === driverName);
  const counts: [rule: RuleRef, count: number, what: string][] = [
    ['CONT-4', pool.length, 'pool allocation(s)'],
    ['MDL-1', machine.kernel.mdl.liveMdls(driverName).length, 'MDL(s)'],
    ['CONT-2', machine.mm.contiguousAllocations().filter((c) => c.driver === driverName).length, 'contiguous allocation(s)'],
  ];
  return counts.filter(([, n]) => n > 0).map(([rule, n, what]) => ({ oracle: 'leftovers', rule, message: `${n} ${what} of driver ${driverName} were never freed after its start failed` }));
}
