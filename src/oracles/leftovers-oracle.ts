/**
 * Nothing is left behind: once the applications have exited and the driver
 * has been unloaded, no request of the driver is still pending, no page is
 * locked, and the driver holds no pool, MDL, IRP, DMA adapter, scatter/gather
 * list, map register, common buffer, contiguous memory, system PTE, user
 * mapping or interrupt. A user mapping must also be gone as soon as its
 * process has closed its handle (cleanup), which the workload checks then.
 */
import { MDL_PAGES_LOCKED } from '../kernel/mm/mdl';
import { formatAddress, formatBytes } from '../machine/units';
import type { Workload } from '../workload/workload';
import type { OracleFinding } from './oracle-finding';

export function leftoversOracle(workload: Workload): OracleFinding[] {
  const { machine } = workload;
  const driver = workload.driverName;
  const findings: OracleFinding[] = [];
  const left = (rule: string, message: string) => findings.push({ oracle: 'leftovers', rule, message });

  for (const note of workload.leftAtClose) left(note.rule, note.message);
  if (machine.kernel.stopped) return findings; // a stopped machine counts nothing more
  const session = workload.session;
  if (!session) return findings;
  if (!session.unloaded) {
    left('VER-LEAK-AT-UNLOAD', `driver ${driver} was not unloaded, so what it holds cannot be told from what it leaks: end the workload first`);
    return findings;
  }

  for (const r of machine.io.outstandingRequests(driver)) left('PAGE-5', `${r.describe()} is still pending`);
  const irps = machine.io.allocatedIrps(driver);
  if (irps.length > 0) left('VER-LEAK-AT-UNLOAD', `${irps.length} IRP(s) the driver allocated were never freed (IRP ${irps.map((i) => `#${i.id}`).join(', ')})`);

  for (const pool of [machine.mm.nonPagedPool, machine.mm.pagedPool]) {
    const mine = [...pool.allocations.values()].filter((a) => a.driver === driver);
    if (mine.length > 0) {
      const bytes = mine.reduce((n, a) => n + a.bytes, 0);
      left('CONT-4', `${mine.length} ${mine[0]!.pool} allocation(s) of the driver (${formatBytes(bytes)}; tags ${[...new Set(mine.map((a) => `'${a.tag}'`))].join(', ')}) were never freed`);
    }
  }

  for (const mdl of machine.kernel.mdl.liveMdls(driver)) {
    const locked = (mdl.MdlFlags & MDL_PAGES_LOCKED) !== 0;
    left(locked ? 'PAGE-5' : 'MDL-1', `MDL #${mdl.id} (${formatBytes(mdl.ByteCount)} at ${formatAddress(mdl.StartVa + mdl.ByteOffset)}) was never freed${locked ? ' and its pages are still locked' : ''}`);
  }
  for (const app of workload.applications.values()) {
    if (app.exited) continue;
    const locked = app.process.addressSpace.lockedPages;
    if (locked > 0) left('PAGE-5', `${locked} page(s) of ${app.name} are still locked for I/O`);
    for (const m of machine.kernel.mdl.outstandingUserMappings(app.process)) left('CONT-6', `MDL #${m.mdl.id} is still mapped into ${app.name} at ${formatAddress(m.va)}`);
  }

  for (const adapter of machine.hal.liveAdapters(driver)) {
    left('SG-1', `${adapter.label} was never released with PutDmaAdapter`);
    const o = adapter.outstanding();
    if (o.scatterGatherLists > 0) left('SG-3', `${o.scatterGatherLists} scatter/gather list(s) of ${adapter.label} were never put back`);
    if (o.mapRegisters > 0 || o.channels > 0) left('SG-2', `${adapter.label} still has ${o.channels} adapter channel(s) and ${o.mapRegisters} map register(s) held`);
    if (o.commonBuffers > 0) left('CONT-1', `${o.commonBuffers} common buffer(s) of ${adapter.label} were never freed`);
  }
  const contiguous = machine.mm.contiguousAllocations().filter((c) => c.driver === driver);
  if (contiguous.length > 0) left('CONT-2', `${contiguous.length} contiguous allocation(s) of the driver were never freed`);

  const ptes = session.baseline.freeSystemPtes - machine.mm.systemPtes.free;
  if (ptes > 0) left('MDL-3', `${ptes} system PTE(s) in use before the driver was loaded are still in use after it was unloaded`);
  const interrupts = machine.io.interrupts.connected(driver);
  if (interrupts.length > 0) left('DEV-3', `${interrupts.length} interrupt(s) of the driver are still connected`);
  return findings;
}
