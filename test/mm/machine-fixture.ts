/**
 * Small machines and assertions shared by the memory-manager tests: booting a
 * machine cheap enough to build per test, a user buffer in a process, and
 * checks that a call stops the machine with a given bug check or raises a
 * given status.
 */
import { strict as assert } from 'node:assert';
import { BootConfig } from '../../src/machine/boot-config';
import { BugCheck, hex } from '../../src/machine/bug-check';
import { Machine } from '../../src/machine/machine';
import { RaisedStatus, statusName } from '../../src/machine/ntstatus';
import { MiB, PAGE_SIZE } from '../../src/contracts/units';
import { Process } from '../../src/kernel/io/process';

/** 256 MiB of RAM, small pools and paging file: boots in milliseconds. */
export function bootSmallMachine(overrides: Partial<BootConfig> = {}): Machine {
  return Machine.boot({
    ramBytes: 256 * MiB,
    nonPagedPoolBytes: 8 * MiB,
    pagedPoolBytes: 8 * MiB,
    pagingFileBytes: 32 * MiB,
    ...overrides,
  });
}

export interface UserBuffer {
  readonly process: Process;
  readonly va: number;
  readonly bytes: number;
}

/** A committed read-write buffer in a new process, every page written with a recognisable pattern. */
export function touchedUserBuffer(machine: Machine, pages: number, name = 'app'): UserBuffer {
  const process = machine.kernel.createProcess(name);
  const bytes = pages * PAGE_SIZE;
  const va = machine.mm.allocateVirtual(process.addressSpace, bytes);
  machine.cpu.inProcess(process, () => machine.mm.writeVirtual(va, pattern(bytes, process.processId)));
  return { process, va, bytes };
}

/** Bytes that differ per position and per seed value, so a copy from the wrong place shows. */
export function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 17 + (i >> 12)) & 0xff;
  return out;
}

/** Run `fn` and return the bug check it stops the machine with; fails if there is none or another code. */
export function expectBugCheck(machine: Machine, code: number, fn: () => unknown, p1?: number): BugCheck {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof BugCheck, `expected bug check ${hex(code)}${p1 === undefined ? '' : ` P1=${hex(p1)}`}, got ${caught === undefined ? 'no error' : String(caught)}`);
  assert.equal(hex(caught.code), hex(code), caught.message);
  if (p1 !== undefined) assert.equal(hex(caught.parameters[0]), hex(p1), caught.message);
  assert.equal(machine.kernel.stopped, caught, 'the kernel records the bug check it stopped with');
  return caught;
}

/** Run `fn` and return the status it raises; fails on any other outcome. */
export function expectRaised(status: number, fn: () => unknown): RaisedStatus {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof RaisedStatus, `expected ${statusName(status)} to be raised, got ${caught === undefined ? 'no error' : String(caught)}`);
  assert.equal(statusName(caught.status), statusName(status), caught.message);
  return caught;
}

/** The frame behind each page of [va, va+bytes) in the buffer's process (-1 when not resident). */
export function framesOf(machine: Machine, buffer: UserBuffer): number[] {
  const frames: number[] = [];
  for (let off = 0; off < buffer.bytes; off += PAGE_SIZE) frames.push(machine.mm.translate(buffer.va + off, buffer.process.addressSpace));
  return frames;
}
