/**
 * The verifier catalog: every entry has a trigger here that makes the
 * simulator detect it, in 'record' mode (a finding with the catalog's code)
 * and in 'bugcheck' mode (bug check 0xE6 with the same parameter 1, the
 * machine stopped). The generated document matches the catalog.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { BugCheck } from '../../src/machine/bug-check';
import { DISPATCH_LEVEL } from '../../src/machine/irql';
import { PAGE_SIZE } from '../../src/contracts/units';
import { FrameState } from '../../src/kernel/mm/physical-memory';
import { CATALOG_DOCUMENT_PATH, renderCatalogDocument } from '../../src/kernel/verifier/catalog-document';
import { DOCUMENTED_E6_RANGE, PROJECT_E6_BASE } from '../../src/kernel/verifier/project-codes';
import { VIOLATION_CATALOG, ViolationId } from '../../src/kernel/verifier/violation-catalog';
import { HalMachine, adapterFor, bootHal, getList, lockedMdl, userBuffer } from '../hal/hal-fixture';
import { setBusMaster, startSingle, waitForDevice } from './device-fixture';

interface Trigger {
  readonly iommu?: boolean;
  run(t: HalMachine): void;
}

/** A locked one-page user buffer and its scatter/gather list on a fresh adapter. */
function listOnAdapter(t: HalMachine) {
  const adapter = adapterFor(t);
  const { va } = userBuffer(t, PAGE_SIZE);
  const mdl = lockedMdl(t, va, PAGE_SIZE);
  return { adapter, va, mdl, list: getList(adapter, mdl, va, PAGE_SIZE, true).list! };
}

const triggers: Record<ViolationId, Trigger> = {
  'VER-UNLOCKED-DMA': {
    run(t) {
      const { va } = userBuffer(t, PAGE_SIZE);
      const pfn = t.machine.mm.translate(va, t.app.addressSpace);
      assert.equal(t.machine.physical.state[pfn], FrameState.Pageable);
      t.hal.verifier.onDeviceAccess({ device: 8, deviceName: 'dma0', busAddress: pfn * PAGE_SIZE, physicalAddress: pfn * PAGE_SIZE, pfn, length: 64, write: true, atNs: 0 });
    },
  },
  'VER-DMA-OUTSIDE-BUFFER': {
    run(t) {
      const pool = t.machine.mm.ExAllocatePoolWithTag('NonPagedPool', PAGE_SIZE, 'Othr')!;
      const pa = t.machine.mm.physicalAddressOf(pool);
      t.hal.verifier.onDeviceAccess({ device: 8, deviceName: 'dma0', busAddress: pa, physicalAddress: pa, pfn: Math.floor(pa / PAGE_SIZE), length: 64, write: false, atNs: 0 });
    },
  },
  'VER-SG-DOUBLE-PUT': {
    run(t) {
      const { adapter, list } = listOnAdapter(t);
      adapter.DmaOperations.PutScatterGatherList(adapter, list, true);
      adapter.DmaOperations.PutScatterGatherList(adapter, list, true);
    },
  },
  'VER-COMMON-BUFFER-DOUBLE-FREE': {
    run(t) {
      const a = adapterFor(t);
      const logical = { QuadPart: 0 };
      const va = a.DmaOperations.AllocateCommonBuffer(a, PAGE_SIZE, logical, false)!;
      a.DmaOperations.FreeCommonBuffer(a, PAGE_SIZE, logical, va, false);
      a.DmaOperations.FreeCommonBuffer(a, PAGE_SIZE, logical, va, false);
    },
  },
  'VER-CHANNEL-DOUBLE-FREE': {
    run(t) {
      const a = adapterFor(t);
      a.DmaOperations.AllocateAdapterChannel(a, {}, 1, () => 'DeallocateObjectKeepRegisters', null);
      a.DmaOperations.FreeAdapterChannel(a);
    },
  },
  'VER-MAP-REGISTERS-DOUBLE-FREE': {
    run(t) {
      const a = adapterFor(t);
      a.DmaOperations.AllocateAdapterChannel(a, {}, 1, (_d, _i, base) => {
        a.DmaOperations.FreeMapRegisters(a, base, 1);
        return 'KeepObject';
      }, null);
    },
  },
  'VER-ADAPTER-RELEASED-WITH-COMMON-BUFFERS': {
    run(t) {
      const a = adapterFor(t);
      a.DmaOperations.AllocateCommonBuffer(a, PAGE_SIZE, { QuadPart: 0 }, true);
      a.DmaOperations.PutDmaAdapter(a);
    },
  },
  'VER-ADAPTER-RELEASED-WITH-CHANNELS': {
    run(t) {
      const a = adapterFor(t);
      a.DmaOperations.AllocateAdapterChannel(a, {}, 1, () => 'KeepObject', null);
      a.DmaOperations.PutDmaAdapter(a);
    },
  },
  'VER-ADAPTER-RELEASED-WITH-MAP-REGISTERS': {
    run(t) {
      const a = adapterFor(t);
      a.DmaOperations.AllocateAdapterChannel(a, {}, 1, () => 'DeallocateObjectKeepRegisters', null);
      a.DmaOperations.PutDmaAdapter(a);
    },
  },
  'VER-ADAPTER-RELEASED-WITH-SG-LISTS': {
    run(t) {
      const { adapter } = listOnAdapter(t);
      adapter.DmaOperations.PutDmaAdapter(adapter);
    },
  },
  'VER-ADAPTER-USED-AFTER-RELEASE': {
    run(t) {
      const a = adapterFor(t);
      a.DmaOperations.PutDmaAdapter(a);
      a.DmaOperations.AllocateCommonBuffer(a, PAGE_SIZE, { QuadPart: 0 }, true);
    },
  },
  'VER-MULTIPLE-CHANNELS': {
    run(t) {
      const a = adapterFor(t);
      const device = {};
      a.DmaOperations.AllocateAdapterChannel(a, device, 1, () => 'KeepObject', null);
      a.DmaOperations.AllocateAdapterChannel(a, device, 1, () => 'KeepObject', null);
    },
  },
  'VER-TOO-MANY-MAP-REGISTERS': {
    run(t) {
      const a = adapterFor(t, { MaximumLength: PAGE_SIZE });
      a.DmaOperations.AllocateAdapterChannel(a, {}, 3, () => 'DeallocateObject', null);
    },
  },
  'VER-MAP-REGISTERS-BEYOND-GRANT': {
    run(t) {
      const a = adapterFor(t, { MaximumLength: 2 * PAGE_SIZE }); // three map registers: one page more for an unaligned start
      const { va } = userBuffer(t, 4 * PAGE_SIZE);
      const mdl = lockedMdl(t, va, 4 * PAGE_SIZE);
      getList(a, mdl, va, 4 * PAGE_SIZE, true);
    },
  },
  'VER-NOT-FLUSHED': {
    run(t) {
      const a = adapterFor(t);
      const { va } = userBuffer(t, PAGE_SIZE);
      const mdl = lockedMdl(t, va, PAGE_SIZE);
      a.DmaOperations.AllocateAdapterChannel(a, {}, 1, (_d, _i, base) => {
        a.DmaOperations.MapTransfer(a, mdl, base, va, { value: PAGE_SIZE }, true);
        return 'DeallocateObject';
      }, null);
    },
  },
  'VER-SYNC-OUTSIDE-MAPPING': {
    run(t) {
      const { va } = userBuffer(t, PAGE_SIZE);
      const mdl = t.machine.cpu.inProcess(t.app, () => t.machine.kernel.mdl.IoAllocateMdl(va, PAGE_SIZE, false, false, null)!);
      t.hal.KeFlushIoBuffers(mdl, true, true);
    },
  },
  'VER-UNMAP-MISMATCH': {
    run(t) {
      const { adapter, list } = listOnAdapter(t);
      adapter.DmaOperations.PutScatterGatherList(adapter, list, false);
    },
  },
  'VER-ADDRESS-NOT-IN-MDL': {
    run(t) {
      const adapter = adapterFor(t);
      const { va } = userBuffer(t, PAGE_SIZE);
      const mdl = lockedMdl(t, va, PAGE_SIZE);
      getList(adapter, mdl, va - PAGE_SIZE, PAGE_SIZE, true);
    },
  },
  'VER-ZERO-LENGTH-MAP': {
    run(t) {
      const adapter = adapterFor(t);
      const { va } = userBuffer(t, PAGE_SIZE);
      const mdl = lockedMdl(t, va, PAGE_SIZE);
      getList(adapter, mdl, va, 0, true);
    },
  },
  'VER-WRONG-IRQL': {
    run(t) {
      const a = adapterFor(t);
      t.machine.cpu.atIrql(DISPATCH_LEVEL, () => a.DmaOperations.PutDmaAdapter(a));
    },
  },
  'VER-SG-BUFFER-IN-USE': {
    run(t) {
      const adapter = adapterFor(t);
      const { va } = userBuffer(t, PAGE_SIZE);
      const mdl = lockedMdl(t, va, PAGE_SIZE);
      const buffer = t.machine.mm.ExAllocatePoolWithTag('NonPagedPool', PAGE_SIZE, 'SgBf')!;
      for (let i = 0; i < 2; i++) adapter.DmaOperations.BuildScatterGatherList(adapter, {}, mdl, va, PAGE_SIZE, () => {}, null, true, buffer, PAGE_SIZE);
    },
  },
  'VER-BUS-MASTER-OFF': {
    run(t) {
      setBusMaster(t.machine, false);
      startSingle(t.machine, 0x100000, 512, false);
      waitForDevice(t.machine);
    },
  },
  'VER-IOMMU-FAULT': {
    iommu: true,
    run(t) {
      adapterFor(t);
      setBusMaster(t.machine, true);
      startSingle(t.machine, 0x100000, 512, false);
      waitForDevice(t.machine);
    },
  },
  'VER-DIRECTION-MISMATCH': {
    run(t) {
      const { adapter, list } = listOnAdapter(t); // mapped with WriteToDevice TRUE: the device may only read it
      const e = list.Elements[0]!;
      const pa = e.Address; // no IOMMU: bus and physical addresses are the same
      t.hal.verifier.onDeviceAccess({ device: adapter.requesterId!, deviceName: 'dma0', busAddress: pa, physicalAddress: pa, pfn: Math.floor(pa / PAGE_SIZE), length: 64, write: true, atNs: 0 });
    },
  },
  'VER-LEAK-AT-UNLOAD': {
    run(t) {
      t.machine.cpu.inDriver('leaky', () => adapterFor(t));
      t.hal.checkDriverUnload('leaky');
    },
  },
};

describe('violation catalog', () => {
  it('every entry names a rule, a parameter 1 used by no other entry, what the real tools report, and a detector', () => {
    const ids = new Set<string>();
    const p1s = new Set<number>();
    for (const e of VIOLATION_CATALOG) {
      assert.match(e.id, /^VER-[A-Z0-9-]+$/);
      assert.ok(!ids.has(e.id), `${e.id} appears twice`);
      assert.ok(!p1s.has(e.parameter1), `${e.id} reuses parameter 1 0x${e.parameter1.toString(16)}`);
      ids.add(e.id);
      p1s.add(e.parameter1);
      assert.match(e.rule, /^(PAGE|MDL|SG|CONT|DEV)-\d+$|^VER-\*$/, `${e.id}: rule ${e.rule}`);
      for (const field of ['title', 'windows', 'linux', 'parameters', 'detector'] as const) assert.ok(e[field].length > 3, `${e.id}: ${field} is empty`);
      if (e.parameter1 >= PROJECT_E6_BASE) assert.match(e.windows, /^none/, `${e.id}: a project code must not claim a Windows code`);
      else assert.ok(e.parameter1 <= DOCUMENTED_E6_RANGE[1], `${e.id}: 0x${e.parameter1.toString(16)} is neither a documented 0xE6 code nor a project code`);
      if (e.parameter1 < PROJECT_E6_BASE) assert.match(e.windows, new RegExp(`P1=0x${e.parameter1.toString(16).toUpperCase().padStart(2, '0')}`), `${e.id}: the Windows column names its P1`);
    }
  });

  it('docs/verifier-catalog.md is the generated document (regenerate it with src/kernel/verifier/catalog-document.ts)', () => {
    assert.equal(readFileSync(CATALOG_DOCUMENT_PATH, 'utf8'), renderCatalogDocument());
  });

  for (const entry of VIOLATION_CATALOG) {
    const trigger = triggers[entry.id as ViolationId];
    it(`${entry.id} is detected: recorded with P1=0x${entry.parameter1.toString(16)}, or the machine stops with 0xE6`, () => {
      assert.ok(trigger, `no trigger for ${entry.id}`);
      const recorded = bootHal({ iommu: trigger.iommu ?? false });
      trigger.run(recorded);
      const f = recorded.hal.verifier.findingsOf(entry.id as ViolationId)[0];
      assert.ok(f, `${entry.id} not recorded; findings: ${JSON.stringify(recorded.hal.verifier.findings.map((x) => x.id))}`);
      assert.equal(f.parameters[0], entry.parameter1);
      assert.equal(f.rule, entry.rule);
      assert.equal(recorded.machine.kernel.stopped, null, 'recording does not stop the machine');

      const stopping = bootHal({ iommu: trigger.iommu ?? false, verifierMode: 'bugcheck' });
      assert.throws(() => trigger.run(stopping), (e: unknown) => {
        assert.ok(e instanceof BugCheck, String(e));
        assert.equal(e.code, 0xe6);
        assert.equal(e.parameters[0], entry.parameter1, e.message);
        assert.ok(e.message.includes(entry.id));
        return true;
      });
      assert.equal(stopping.machine.kernel.stopped?.parameters[0], entry.parameter1);
    });
  }
});
