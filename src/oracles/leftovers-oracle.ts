/**
 * Nothing is left behind: once the applications have exited and the driver
 * has been unloaded, no request of the driver is still pending, no page is
 * locked, and the driver holds no pool, MDL, IRP, DMA adapter, scatter/gather
 * list, map register, common buffer, contiguous memory, system PTE, user
 * mapping or interrupt. A user mapping must also be gone as soon as its
 * process has closed its handle (cleanup), which the workload checks then.
 * Each kind of leftover is filed under the rule the diagnosis gives it.
 */
import { MDL_PAGES_LOCKED } from '../kernel/mm/mdl';
import { formatAddress, formatBytes } from '../contracts/units';
import type { Workload } from '../workload/workload';
import type { OracleFinding } from './oracle-finding';
import { LeftoverKind, diagnoseLeftover } from '../diagnosis/leftover-rules';
import { detectionEnabled } from '../kernel/detections/detection-switch';
import { Acquisition, acquiredPlace } from '../machine/driver-place';

export function leftoversOracle(workload: Workload): OracleFinding[] {
  const { machine } = workload;
  const driver = workload.driverName;
  const findings: OracleFinding[] = [];
  if (!detectionEnabled('LEFTOVERS-ORACLE')) return findings;
  // Each finding names where the driver acquired the first of what it left (the driver's code has returned: no call of its own broke the rule).
  const left = (kind: LeftoverKind, message: string, acquired: readonly (Acquisition | null)[] = []) =>
    findings.push({ oracle: 'leftovers', rule: diagnoseLeftover(kind).rule, message, ...acquiredPlace(...acquired) });

  for (const note of workload.leftAtClose) findings.push({ oracle: 'leftovers', ...note });
  if (machine.kernel.stopped) return findings; // a stopped machine counts nothing more
  const session = workload.session;
  if (!session) return findings;
  if (!session.unloaded) {
    left('driver-loaded', `driver ${driver} was not unloaded, so what it holds cannot be told from what it leaks: end the workload first`);
    return findings;
  }

  for (const r of machine.io.outstandingRequests(driver)) left('request-pending', `${r.describe()} is still pending`, [r.irp?.pendingAt ?? null]);
  const irps = machine.io.allocatedIrps(driver);
  if (irps.length > 0) left('irp-not-freed', `${irps.length} IRP(s) the driver allocated were never freed (IRP ${irps.map((i) => `#${i.id}`).join(', ')})`, irps.map((i) => i.allocatedAt));

  // An MDL's header is a pool block of its own: a leaked MDL is the MDL's finding, not a pool leak as well.
  const mdlHeaders = new Set(machine.kernel.mdl.liveMdls(driver).map((m) => m.poolVa));
  for (const pool of [machine.mm.nonPagedPool, machine.mm.pagedPool]) {
    const mine = [...pool.allocations.values()].filter((a) => a.driver === driver && !mdlHeaders.has(a.va));
    if (mine.length > 0) {
      const bytes = mine.reduce((n, a) => n + a.bytes, 0);
      left('pool-not-freed', `${mine.length} ${mine[0]!.pool} allocation(s) of the driver (${formatBytes(bytes)}; tags ${[...new Set(mine.map((a) => `'${a.tag}'`))].join(', ')}) were never freed`, mine.map((a) => a.acquired));
    }
  }

  for (const mdl of machine.kernel.mdl.liveMdls(driver)) {
    const locked = (mdl.MdlFlags & MDL_PAGES_LOCKED) !== 0;
    left(locked ? 'mdl-still-locked' : 'mdl-not-freed', `MDL #${mdl.id} (${formatBytes(mdl.ByteCount)} at ${formatAddress(mdl.StartVa + mdl.ByteOffset)}) was never freed${locked ? ' and its pages are still locked' : ''}`,
      locked ? [mdl.lockedAt, mdl.allocatedAt] : [mdl.allocatedAt]);
  }
  for (const app of workload.applications.values()) {
    if (app.exited) continue;
    const locked = app.process.addressSpace.lockedPages;
    if (locked > 0) left('pages-still-locked', `${locked} page(s) of ${app.name} are still locked for I/O`, [machine.kernel.mdl.lockingMdlIn(app.process.addressSpace)?.lockedAt ?? null]);
    for (const m of machine.kernel.mdl.outstandingUserMappings(app.process)) left('user-mapping', `MDL #${m.mdl.id} is still mapped into ${app.name} at ${formatAddress(m.va)}`, [m.mappedAt]);
  }

  for (const adapter of machine.hal.liveAdapters(driver)) {
    left('adapter-not-released', `${adapter.label} was never released with PutDmaAdapter`, [adapter.acquired]);
    const o = adapter.outstanding();
    if (o.scatterGatherLists > 0) left('lists-not-put', `${o.scatterGatherLists} scatter/gather list(s) of ${adapter.label} were never put back`, adapter.lists.outstandingAcquisitions());
    if (o.mapRegisters > 0 || o.channels > 0) left('channel-or-map-registers-held', `${adapter.label} still has ${o.channels} adapter channel(s) and ${o.mapRegisters} map register(s) held`, adapter.channel.outstandingAcquisitions());
    if (o.commonBuffers > 0) left('common-buffer-not-freed', `${o.commonBuffers} common buffer(s) of ${adapter.label} were never freed`, adapter.commonBuffers.outstandingAcquisitions());
  }
  const contiguous = machine.mm.contiguousAllocations().filter((c) => c.driver === driver);
  if (contiguous.length > 0) left('contiguous-not-freed', `${contiguous.length} contiguous allocation(s) of the driver were never freed`, contiguous.map((c) => c.acquired));

  const ptes = session.baseline.freeSystemPtes - machine.mm.systemPtes.free;
  if (ptes > 0) {
    // System PTEs are counted, not owned: the mappings the driver made and never undid are where they went.
    const mappings = [...machine.mm.ioSpaceMappedAt(), ...machine.kernel.mdl.liveMdls(driver).filter((m) => m.MappedSystemVa !== 0).map((m) => m.mappedAt)];
    left('system-ptes-held', `${ptes} system PTE(s) in use before the driver was loaded are still in use after it was unloaded`, mappings);
  }
  const interrupts = machine.io.interrupts.connected(driver);
  if (interrupts.length > 0) left('interrupt-connected', `${interrupts.length} interrupt(s) of the driver are still connected`, interrupts.map((i) => i.connectedAt));
  return findings;
}
