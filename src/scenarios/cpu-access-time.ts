/**
 * CONT-7: what the CPU pays to read a buffer, in simulated time. Reads of
 * non-cached frames are charged at the uncached rate of the cost table.
 */
import { Machine } from '../machine/machine';
import { Process } from '../kernel/io/process';

/** Simulated ns the CPU takes to read [va, va + length), in the process's context (null: system space). */
export function cpuReadNs(machine: Machine, process: Process | null, va: number, length: number): number {
  const start = machine.clock.now;
  machine.cpu.inProcess(process, () => machine.mm.readVirtual(va, length));
  return machine.clock.now - start;
}
