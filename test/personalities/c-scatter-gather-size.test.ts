/**
 * CalculateScatterGatherList from C: the sizes come back through the
 * out-parameters (the simulated routine returns them as a record), and with
 * no MDL only CurrentVa's offset in its page counts, so (PVOID)1 asks for the
 * worst start, one page more than an aligned one.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { DriverStartFailed } from '../../src/kernel/io/driver-start-failed';
import { scatterGatherListBytes } from '../../src/kernel/hal/scatter-gather-list';
import { startAdapterCDriver as start, writeAdapterCDriver } from './adapter-c-driver';

/** A driver whose StartDevice fails unless CalculateScatterGatherList gives these sizes for two pages' worth, aligned and one byte in. */
function sizeCheckingDriver(aligned: { bytes: number; registers: number }, unaligned: { bytes: number; registers: number }): string {
  return writeAdapterCDriver({
    name: 'sg-size',
    conformanceClass: 'storage-forward-progress',
    description: 'Starts only when CalculateScatterGatherList gives the expected sizes.',
    declarations: `static BOOLEAN Sized(PVOID CurrentVa, ULONG Bytes, ULONG Registers) {
  ULONG bytes = 0, registers = 0;
  NTSTATUS status = Adapter->DmaOperations->CalculateScatterGatherList(Adapter, NULL, CurrentVa, 2 * PAGE_SIZE, &bytes, &registers);
  return NT_SUCCESS(status) && bytes == Bytes && registers == Registers;
}`,
    startBody: `  BOOLEAN sized = Sized((PVOID)0, ${aligned.bytes}, ${aligned.registers}) && Sized((PVOID)1, ${unaligned.bytes}, ${unaligned.registers});
  Adapter->DmaOperations->PutDmaAdapter(Adapter);
  return sized ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;`,
  });
}

describe('CalculateScatterGatherList from C', () => {
  it('writes the list size and map registers through its out-parameters, counting the pages from CurrentVa\'s offset', async () => {
    await start(sizeCheckingDriver({ bytes: scatterGatherListBytes(2), registers: 2 }, { bytes: scatterGatherListBytes(3), registers: 3 }));
  });

  it('is compared for real: other sizes fail the start', async () => {
    await assert.rejects(start(sizeCheckingDriver({ bytes: scatterGatherListBytes(2), registers: 2 }, { bytes: scatterGatherListBytes(2), registers: 2 })),
      (e: unknown) => e instanceof DriverStartFailed && e.status === 0xc0000001);
  });
});
