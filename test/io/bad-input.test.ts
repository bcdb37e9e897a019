/**
 * An application's bad input gets an error status and never crashes the
 * simulator: a kernel address as a buffer, a freed buffer, a buffer shorter
 * than the length it claims, a buffer freed while the request is in flight,
 * an unknown device or handle.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { NT_SUCCESS, STATUS } from '../../src/machine/ntstatus';
import { PAGE_SIZE } from '../../src/contracts/units';
import { DO_BUFFERED_IO, DO_DIRECT_IO } from '../../src/kernel/io/device-object';
import { FrameState } from '../../src/kernel/mm/physical-memory';
import { ApplicationError } from '../../src/kernel/io/application';
import { IOCTL_ECHO_BUFFERED, ioBench } from './io-fixture';

const FLAGS = [
  ['direct', DO_DIRECT_IO],
  ['buffered', DO_BUFFERED_IO],
] as const;

describe('bad input from applications', () => {
  for (const [kind, flags] of FLAGS) {
    describe(`${kind} I/O`, () => {
      it('a kernel address as the buffer fails with STATUS_ACCESS_VIOLATION and the driver never sees it', () => {
        const bench = ioBench({ flags });
        const app = bench.app();
        const handle = app.open('testdrv');
        const kernelVa = bench.machine.mm.ExAllocatePoolWithTag('NonPagedPool', PAGE_SIZE, 'Krnl')!;
        bench.machine.mm.fillVirtual(kernelVa, PAGE_SIZE, 0x5a);

        const read = app.ReadFile(handle, kernelVa, 64);
        const write = app.WriteFile(handle, kernelVa, 64);

        assert.equal(read.status, STATUS.ACCESS_VIOLATION);
        assert.equal(write.status, STATUS.ACCESS_VIOLATION);
        assert.equal(bench.state.mdlSeen.length, 0);
        assert.deepEqual(bench.machine.mm.readVirtual(kernelVa, 64), new Uint8Array(64).fill(0x5a), 'kernel memory untouched');
      });

      it('a freed buffer fails with STATUS_ACCESS_VIOLATION', () => {
        const bench = ioBench({ flags });
        const app = bench.app();
        const handle = app.open('testdrv');
        const buffer = app.allocate(PAGE_SIZE);
        app.free(buffer);

        assert.equal(app.ReadFile(handle, buffer.address, PAGE_SIZE).status, STATUS.ACCESS_VIOLATION);
        assert.equal(app.WriteFile(handle, buffer.address, PAGE_SIZE).status, STATUS.ACCESS_VIOLATION);
      });

      it('a length longer than the buffer\'s allocation fails with STATUS_ACCESS_VIOLATION', () => {
        const bench = ioBench({ flags });
        const app = bench.app();
        const handle = app.open('testdrv');
        const buffer = app.allocate(100);

        assert.equal(app.WriteFile(handle, buffer.address, 200 * PAGE_SIZE).status, STATUS.ACCESS_VIOLATION);
      });

      it('a negative or fractional length fails with STATUS_INVALID_PARAMETER', () => {
        const bench = ioBench({ flags });
        const app = bench.app();
        const handle = app.open('testdrv');
        const buffer = app.allocate(100);
        assert.equal(app.ReadFile(handle, buffer, -1).status, STATUS.INVALID_PARAMETER);
        assert.equal(app.ReadFile(handle, buffer, 1.5).status, STATUS.INVALID_PARAMETER);
      });
    });
  }

  it('direct I/O: a buffer freed during the request keeps its frames until the driver completes, then they go free', () => {
    const bench = ioBench({ flags: DO_DIRECT_IO, completeAfterUs: 100, cancelable: true });
    const app = bench.app();
    const handle = app.open('testdrv');
    const buffer = app.allocate(2 * PAGE_SIZE);
    const request = app.ReadFile(handle, buffer, undefined, { overlapped: true });
    const { pfns } = bench.state.mdlSeen[0]!;

    app.free(buffer);
    for (const pfn of pfns) assert.equal(bench.machine.physical.lockCount[pfn], 1, 'still locked: the frame cannot go to another owner mid-transfer');
    for (const pfn of pfns) assert.notEqual(bench.machine.physical.state[pfn], FrameState.Free);
    app.waitFor(request);

    assert.ok(NT_SUCCESS(request.status), request.describe());
    assert.equal(bench.machine.kernel.stopped, null);
    for (const pfn of pfns) assert.equal(bench.machine.physical.state[pfn], FrameState.Free, 'the last unlock released the freed buffer\'s frames');
  });

  it('buffered I/O: a buffer freed during the request fails the copy-back with STATUS_ACCESS_VIOLATION', () => {
    const bench = ioBench({ flags: DO_BUFFERED_IO, completeAfterUs: 100 });
    const app = bench.app();
    const handle = app.open('testdrv');
    const buffer = app.allocate(64);
    const request = app.ReadFile(handle, buffer, undefined, { overlapped: true });

    app.free(buffer);
    app.waitFor(request);

    assert.equal(request.status, STATUS.ACCESS_VIOLATION);
    assert.equal(request.information, 0);
    assert.equal(bench.machine.kernel.stopped, null);
  });

  it('METHOD_BUFFERED with an input length but no input buffer fails with STATUS_INVALID_PARAMETER', () => {
    const bench = ioBench({ flags: 0 });
    const app = bench.app();
    const handle = app.open('testdrv');
    assert.equal(app.DeviceIoControl(handle, IOCTL_ECHO_BUFFERED, null, 16, null, 0).status, STATUS.INVALID_PARAMETER);
  });

  it('an unknown device name fails to open with STATUS_OBJECT_NAME_NOT_FOUND', () => {
    const bench = ioBench({ flags: 0 });
    const app = bench.app();
    assert.equal(app.CreateFile('nosuchdevice').status, STATUS.OBJECT_NAME_NOT_FOUND);
    assert.throws(() => app.open('nosuchdevice'), (e: unknown) => e instanceof ApplicationError && /STATUS_OBJECT_NAME_NOT_FOUND/.test(e.message));
  });

  it('a device opens by its name, its "\\\\.\\" name, its driver\'s name and its interface name', () => {
    const bench = ioBench({ flags: 0 });
    const app = bench.app();
    for (const name of ['\\Device\\testdrv', 'testdrv', 'testdrv#0']) assert.ok(app.CreateFile(name).handle !== null, name);
  });
});
