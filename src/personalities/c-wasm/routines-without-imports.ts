/**
 * The KernelApi routines a C driver reaches without a kernel import: each is
 * a macro or an inline function in include/wdm.h, as in the WDK, over a
 * structure the host lays out in the driver's memory or over C's own loads
 * and stores. Every other KernelApi routine has a row in routine-signatures.ts;
 * test/personalities/c-routine-coverage.test.ts holds the two lists to that.
 */
export const ROUTINES_WITHOUT_IMPORTS: Readonly<Record<string, string>> = {
  IoGetCurrentIrpStackLocation: 'an inline function over the IRP layout in wdm.h (Tail.Overlay.CurrentStackLocation)',
  IoGetNextIrpStackLocation: 'an inline function over the IRP layout in wdm.h (the stack locations follow the IRP)',
  IoCopyCurrentIrpStackLocationToNext: 'an inline function over the IRP layout in wdm.h (a copy of the current location into the next; the kernel reads it when the IRP is passed on)',
  MmGetMdlVirtualAddress: 'a macro over the MDL layout in wdm.h',
  MmGetMdlByteCount: 'a macro over the MDL layout in wdm.h',
  MmGetMdlByteOffset: 'a macro over the MDL layout in wdm.h',
  MmGetMdlPfnArray: 'a macro over the MDL layout in wdm.h (the PFN array follows the header)',
  RtlZeroMemory: 'a macro over memset in wdm.h: C stores into memory it may dereference',
  RtlFillMemory: 'a macro over memset in wdm.h: C stores into memory it may dereference',
  RtlCompareMemory: 'an inline function in wdm.h: C loads from memory it may dereference',
};
