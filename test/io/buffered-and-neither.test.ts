/**
 * Buffered I/O copies through a non-paged system buffer; METHOD_NEITHER
 * passes the caller's addresses through; METHOD_OUT_DIRECT locks the output
 * buffer into an MDL. Each path delivers the right bytes and leaves no
 * system buffer or MDL behind.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { STATUS } from '../../src/machine/ntstatus';
import { PAGE_SIZE } from '../../src/contracts/units';
import { DO_BUFFERED_IO } from '../../src/kernel/io/device-object';
import { CTL_CODE, METHOD_FROM_CTL_CODE, METHOD_IN_DIRECT } from '../../src/contracts/ioctl';
import { IOCTL_ECHO_BUFFERED, IOCTL_ECHO_NEITHER, IOCTL_FILL_OUT_DIRECT, deviceBytes, ioBench } from './io-fixture';

describe('buffered I/O', () => {
  it('a read gets the driver a system buffer and copies it back into the application\'s buffer', () => {
    const bench = ioBench({ flags: DO_BUFFERED_IO });
    const app = bench.app();
    const handle = app.open('testdrv');
    const buffer = app.allocate(6000, { offset: 9 });
    const pool = bench.machine.mm.nonPagedPool.usedPages;

    const request = app.ReadFile(handle, buffer, undefined, { byteOffset: 100 });

    assert.equal(request.status, STATUS.SUCCESS, request.describe());
    assert.equal(request.information, 6000);
    assert.equal(bench.state.mdlSeen[0]!.mdl, null, 'buffered I/O has no MDL');
    assert.deepEqual(app.readBytes(buffer), deviceBytes(100, 6000), 'the bytes the driver put in the system buffer were copied back, from the requested device offset');
    assert.equal(bench.machine.mm.nonPagedPool.usedPages, pool, 'the system buffer was freed');
  });

  it('a write copies the application\'s bytes in before the driver runs', () => {
    const bench = ioBench({ flags: DO_BUFFERED_IO });
    const app = bench.app();
    const handle = app.open('testdrv');
    const buffer = app.allocate(300);
    const data = Uint8Array.from({ length: 300 }, (_, i) => 255 - (i & 0xff));
    app.writeBytes(buffer, data);

    const request = app.WriteFile(handle, buffer);

    assert.equal(request.status, STATUS.SUCCESS);
    assert.deepEqual(bench.state.written[0], data);
  });

  it('a pending buffered read copies back when the driver completes it from its DPC', () => {
    const bench = ioBench({ flags: DO_BUFFERED_IO, completeAfterUs: 20 });
    const app = bench.app();
    const handle = app.open('testdrv');
    const buffer = app.allocate(100);

    const request = app.ReadFile(handle, buffer, undefined, { overlapped: true });
    assert.equal(request.done, false);
    app.waitFor(request);

    assert.equal(request.status, STATUS.SUCCESS);
    assert.deepEqual(app.readBytes(buffer), deviceBytes(0, 100));
  });
});

describe('device control', () => {
  it('METHOD_BUFFERED: input copied in, Information bytes copied out', () => {
    const bench = ioBench({ flags: 0 });
    const app = bench.app();
    const handle = app.open('testdrv');
    const input = app.allocate(64);
    const output = app.allocate(64);
    app.writeBytes(input, Uint8Array.from({ length: 64 }, (_, i) => i));

    const request = app.DeviceIoControl(handle, IOCTL_ECHO_BUFFERED, input, 40, output, 64);

    assert.equal(request.status, STATUS.SUCCESS);
    assert.equal(request.information, 40);
    const out = app.readBytes(output);
    assert.deepEqual(out.subarray(0, 40), Uint8Array.from({ length: 40 }, (_, i) => i + 1));
    assert.deepEqual(out.subarray(40), new Uint8Array(24), 'bytes past Information are not copied');
  });

  it('METHOD_BUFFERED: a too-short output buffer gets the driver\'s STATUS_BUFFER_TOO_SMALL', () => {
    const bench = ioBench({ flags: 0 });
    const app = bench.app();
    const handle = app.open('testdrv');
    const input = app.allocate(64);
    const output = app.allocate(8);

    const request = app.DeviceIoControl(handle, IOCTL_ECHO_BUFFERED, input, 64, output, 8);

    assert.equal(request.status, STATUS.BUFFER_TOO_SMALL);
  });

  it('METHOD_NEITHER: the driver gets the caller\'s addresses and works on them in the caller\'s context', () => {
    const bench = ioBench({ flags: 0 });
    const app = bench.app();
    const handle = app.open('testdrv');
    const input = app.allocate(16, { offset: 3 });
    const output = app.allocate(16);
    app.writeBytes(input, Uint8Array.from({ length: 16 }, (_, i) => 10 * i));
    const pool = bench.machine.mm.nonPagedPool.usedPages;

    const request = app.DeviceIoControl(handle, IOCTL_ECHO_NEITHER, input, 16, output, 16);

    assert.equal(request.status, STATUS.SUCCESS);
    assert.deepEqual(app.readBytes(output), Uint8Array.from({ length: 16 }, (_, i) => (10 * i + 1) & 0xff));
    assert.equal(bench.machine.mm.nonPagedPool.usedPages, pool, 'METHOD_NEITHER allocates no system buffer');
  });

  it('METHOD_NEITHER: a kernel address reaches the driver unprobed, and the driver\'s probe rejects it', () => {
    const bench = ioBench({ flags: 0 });
    const app = bench.app();
    const handle = app.open('testdrv');
    const output = app.allocate(16);
    const kernelVa = bench.machine.mm.ExAllocatePoolWithTag('NonPagedPool', 16, 'Test')!;

    const request = app.DeviceIoControl(handle, IOCTL_ECHO_NEITHER, kernelVa, 16, output, 16);

    assert.equal(request.status, STATUS.ACCESS_VIOLATION);
  });

  it('METHOD_OUT_DIRECT: the output buffer arrives locked in Irp.MdlAddress', () => {
    const bench = ioBench({ flags: 0 });
    const app = bench.app();
    const handle = app.open('testdrv');
    const output = app.allocate(2 * PAGE_SIZE, { offset: 100 });
    const live = bench.machine.kernel.mdl.liveMdls().length;

    const request = app.DeviceIoControl(handle, IOCTL_FILL_OUT_DIRECT, null, 0, output, output.length);

    assert.equal(request.status, STATUS.SUCCESS);
    assert.deepEqual(app.readBytes(output), deviceBytes(0, output.length));
    assert.equal(bench.machine.kernel.mdl.liveMdls().length, live);
    assert.equal(app.process.addressSpace.lockedPages, 0);
  });

  it('CTL_CODE packs the documented fields and rejects values that do not fit', () => {
    const code = CTL_CODE(0x22, 0x800, METHOD_IN_DIRECT, 0);
    assert.equal(code, 0x00222001);
    assert.equal(METHOD_FROM_CTL_CODE(code), METHOD_IN_DIRECT);
    assert.throws(() => CTL_CODE(0x22, 0x1000, METHOD_IN_DIRECT, 0), /function 4096 is not a 12-bit value/);
  });
});
