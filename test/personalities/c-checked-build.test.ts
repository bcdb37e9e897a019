/**
 * A checked build (--checked) stops where the plain build lets C's access
 * pass: a dereference of NULL (0x50), and paged pool touched at
 * DISPATCH_LEVEL (0xD1, as Driver Verifier's forced IRQL checking makes it
 * fail every time), each naming the C function and line.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IoManager } from '../../src/kernel/io/io-manager';
import type { BugCheck } from '../../src/machine/bug-check';
import { compileCDriver } from '../../src/personalities/c-wasm/compiler';
import { loadDriverModule } from '../../src/personalities/driver-loader';
import { installDriver } from '../../src/personalities/wdm/loader';
import { bootSmallMachine } from '../mm/machine-fixture';
import { minimalCDriver } from './minimal-c-driver';

let dir: string;

const driverWhoseEntry = (body: string): string => minimalCDriver('c-checked-fixture', 'A driver with one bad access in DriverEntry.', body);

/** Compile (plain or checked) and start the driver: the stop it ends with, or null. */
async function stopOf(name: string, source: string, checked: boolean): Promise<BugCheck | null> {
  const file = path.join(dir, name);
  fs.writeFileSync(file, source);
  const { wasmPath } = await compileCDriver([file], dir, { checked });
  const driver = loadDriverModule(wasmPath, dir);
  const machine = bootSmallMachine();
  try {
    installDriver({ kernel: machine.kernel, io: new IoManager(machine.kernel), bus: machine.bus }, driver, [machine.bus.functionOf(machine.dmaDevice)]);
  } catch {
    // a stop, or the start refused because the fixture creates no device: the stop is what is judged
  }
  return machine.kernel.stopped;
}

const lineOf = (source: string, text: string): number => source.split('\n').findIndex((l) => l.includes(text)) + 1;

describe('a checked build', () => {
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'c-checked-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('stops a write through NULL with 0x50, naming the C function and line', async () => {
    const source = driverWhoseEntry('  volatile ULONG_PTR null = 0;  /* a pointer the compiler cannot see is NULL */\n  volatile ULONG *nothing = (volatile ULONG *)null;\n  *nothing = 1;  /* through NULL */');
    assert.equal(await stopOf('null-plain.c', source, false), null, 'the plain build lets it pass');
    const stop = await stopOf('null.c', source, true);
    assert.equal(stop?.code, 0x50);
    assert.match(stop!.reason, /a NULL pointer/);
    assert.deepEqual(stop!.place && { file: stop!.place.file, line: stop!.place.line }, { file: 'null.c', line: lineOf(source, 'through NULL') });
  });

  it('stops paged pool touched at DISPATCH_LEVEL with 0xD1', async () => {
    const source = driverWhoseEntry([
      '  PUCHAR block = (PUCHAR)ExAllocatePoolWithTag(PagedPool, 64, 0x74736554);',
      '  KIRQL old;',
      '  if (!block) return STATUS_INSUFFICIENT_RESOURCES;',
      '  KeRaiseIrql(DISPATCH_LEVEL, &old);',
      '  block[0] = 1;  /* pageable at DISPATCH_LEVEL */',
      '  KeLowerIrql(old);',
      '  ExFreePoolWithTag(block, 0x74736554);',
    ].join('\n'));
    assert.equal(await stopOf('paged-plain.c', source, false), null, 'the plain build lets it pass');
    const stop = await stopOf('paged.c', source, true);
    assert.equal(stop?.code, 0xd1);
    assert.equal(stop!.parameters[1], 2, 'the IRQL of the access');
    assert.equal(stop!.place?.line, lineOf(source, 'pageable at DISPATCH_LEVEL'));
  });
});
