/**
 * The handle life cycle as Windows has it: IRP_MJ_CLEANUP when the last
 * handle to a file object closes, in the closing process's context (which may
 * not be the opener's, after DuplicateHandle); IRP_MJ_CLOSE when the last
 * reference goes (the last request of the file object finishes), in no
 * process's context.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { STATUS } from '../../src/machine/ntstatus';
import { DISPATCH_LEVEL, DO_BUFFERED_IO, DO_DIRECT_IO, IRP_MJ_CLEANUP, IRP_MJ_CLOSE, IRP_MJ_CREATE, KAPC_STATE } from '../../src/personalities/wdm/contract';
import { BugCheck } from '../../src/machine/bug-check';
import { majorFunctionName } from '../../src/kernel/io/major-function';
import { IOCTL_PARK, IoTestBench, ioBench } from './io-fixture';

interface Call {
  readonly major: string;
  readonly process: string | null;
  readonly atNs: number;
}

/** Record, for create, cleanup and close, the process context the dispatch routine ran in. */
function recordCalls(bench: IoTestBench): Call[] {
  const calls: Call[] = [];
  const driverObject = bench.state.device!.DriverObject;
  for (const major of [IRP_MJ_CREATE, IRP_MJ_CLEANUP, IRP_MJ_CLOSE]) {
    const dispatch = driverObject.MajorFunction[major]!;
    driverObject.MajorFunction[major] = (d, irp) => {
      calls.push({ major: majorFunctionName(major), process: bench.machine.kernel.cpu.currentProcess?.name ?? null, atNs: bench.machine.kernel.clock.now });
      return dispatch(d, irp);
    };
  }
  return calls;
}

describe('DuplicateHandle', () => {
  it('cleanup comes when the last handle closes, in the process that closes it', () => {
    const bench = ioBench({ flags: DO_BUFFERED_IO });
    const calls = recordCalls(bench);
    const opener = bench.app('opener');
    const other = bench.app('other');
    const handle = opener.open('testdrv');
    const { status, handle: copy } = opener.DuplicateHandle(handle, other);
    assert.equal(status, STATUS.SUCCESS);
    assert.notEqual(copy, null);

    assert.equal(opener.CloseHandle(handle), STATUS.SUCCESS);
    assert.deepEqual(calls.map((c) => c.major), ['IRP_MJ_CREATE'], 'closing one of two handles tells the driver nothing');
    assert.equal(other.ReadFile(copy!, other.allocate(16)).status, STATUS.SUCCESS, 'the duplicate still works');

    assert.equal(other.CloseHandle(copy!), STATUS.SUCCESS);
    assert.deepEqual(calls.map((c) => [c.major, c.process]), [['IRP_MJ_CREATE', 'opener'], ['IRP_MJ_CLEANUP', 'other'], ['IRP_MJ_CLOSE', null]]);
    assert.equal(bench.io.openFileObjects().length, 0);
  });

  it('a handle of an exiting process, an unknown handle, or one already closed cannot be duplicated', () => {
    const bench = ioBench({ flags: DO_BUFFERED_IO });
    const a = bench.app('a');
    const b = bench.app('b');
    const handle = a.open('testdrv');
    assert.equal(a.DuplicateHandle(handle + 400, b).status, STATUS.INVALID_HANDLE);
    b.exit();
    assert.equal(a.DuplicateHandle(handle, b).status, STATUS.PROCESS_IS_TERMINATING);
    a.CloseHandle(handle);
    assert.equal(a.DuplicateHandle(handle, b).status, STATUS.INVALID_HANDLE);
  });

  it('the opener exiting cancels its own requests but sends no cleanup while another process holds the file object', () => {
    const bench = ioBench({ flags: DO_BUFFERED_IO, cancelable: true, cleanup: 'complete-them' });
    const calls = recordCalls(bench);
    const opener = bench.app('opener');
    const heir = bench.app('heir');
    const handle = opener.open('testdrv');
    const copy = opener.DuplicateHandle(handle, heir).handle!;
    const parked = opener.DeviceIoControl(handle, IOCTL_PARK, null, 0, null, 0, { overlapped: true });

    opener.exit();
    assert.equal(parked.status, STATUS.CANCELLED, 'thread rundown cancels the exiting process\'s requests');
    assert.ok(!calls.some((c) => c.major === 'IRP_MJ_CLEANUP'));

    const heirs = heir.DeviceIoControl(copy, IOCTL_PARK, null, 0, null, 0, { overlapped: true });
    heir.CloseHandle(copy);
    assert.equal(heirs.status, STATUS.CANCELLED, 'the driver\'s cleanup completed the request of the heir');
    assert.deepEqual(calls.filter((c) => c.major !== 'IRP_MJ_CREATE').map((c) => [c.major, c.process]), [['IRP_MJ_CLEANUP', 'heir'], ['IRP_MJ_CLOSE', null]]);
    assert.deepEqual(bench.io.findings, []);
  });
});

describe('IRP_MJ_CLOSE', () => {
  it('comes after the last request of the file object has finished, not at cleanup', () => {
    const bench = ioBench({ flags: DO_DIRECT_IO, completeAfterUs: 300, cancelable: false, cleanup: 'ignore' });
    const calls = recordCalls(bench);
    const app = bench.app();
    const handle = app.open('testdrv');
    const read = app.ReadFile(handle, app.allocate(4096), undefined, { overlapped: true });

    assert.equal(app.CloseHandle(handle), STATUS.SUCCESS);

    const cleanup = calls.find((c) => c.major === 'IRP_MJ_CLEANUP')!;
    const close = calls.find((c) => c.major === 'IRP_MJ_CLOSE')!;
    assert.ok(read.completedAtNs !== null && read.completedAtNs > cleanup.atNs, 'the read was still on the device at cleanup');
    assert.ok(close.atNs >= read.completedAtNs!, 'close came once the read released its reference');
    assert.ok(calls.indexOf(close) > calls.indexOf(cleanup));
    assert.equal(close.process, null, 'close runs in no process\'s context');
  });

  it('comes at once when the handle has nothing outstanding', () => {
    const bench = ioBench({ flags: DO_BUFFERED_IO });
    const calls = recordCalls(bench);
    const app = bench.app();
    const handle = app.open('testdrv');
    app.CloseHandle(handle);
    assert.deepEqual(calls.map((c) => [c.major, c.process]), [['IRP_MJ_CREATE', 'app1'], ['IRP_MJ_CLEANUP', 'app1'], ['IRP_MJ_CLOSE', null]]);
  });
});

describe('CancelIoEx', () => {
  it('cancels the one request it names and leaves the others; a finished request is not found', () => {
    const bench = ioBench({ flags: DO_BUFFERED_IO, cancelable: true, cleanup: 'complete-them' });
    const app = bench.app();
    const handle = app.open('testdrv');
    const [first, second] = [1, 2].map(() => app.DeviceIoControl(handle, IOCTL_PARK, null, 0, null, 0, { overlapped: true }));

    assert.equal(app.CancelIoEx(handle, second!), STATUS.SUCCESS);
    app.waitFor(second!);
    assert.equal(second!.status, STATUS.CANCELLED);
    assert.equal(first!.done, false, 'the other request is still queued');
    assert.equal(app.CancelIoEx(handle, second!), STATUS.NOT_FOUND);
    app.CloseHandle(handle);
    assert.equal(first!.status, STATUS.CANCELLED);
  });
});

describe('KeStackAttachProcess', () => {
  it('attaches to a process until KeUnstackDetachProcess, and stops the machine with 0x05 at DISPATCH_LEVEL', () => {
    const bench = ioBench({ flags: DO_BUFFERED_IO });
    const app = bench.app('owner');
    const k = bench.state.k!;
    const cpu = bench.machine.kernel.cpu;
    const state = new KAPC_STATE();
    cpu.inProcess(null, () => {
      k.KeStackAttachProcess(app.process, state);
      assert.equal(k.IoGetCurrentProcess(), app.process);
      k.KeUnstackDetachProcess(state);
      assert.equal(k.IoGetCurrentProcess(), null);
    });
    assert.throws(() => cpu.atIrql(DISPATCH_LEVEL, () => k.KeStackAttachProcess(app.process, new KAPC_STATE())), (e: unknown) => {
      assert.ok(e instanceof BugCheck, String(e));
      assert.equal(e.code, 0x05);
      return true;
    });
  });
});
