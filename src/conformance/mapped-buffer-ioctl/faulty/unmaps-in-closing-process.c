/*
 * A variant of the C reference, written as if the process that runs cleanup
 * were always the one the buffer was mapped into: it unmaps the user mapping
 * there, and not at all when that process is exiting (taking its exit to end
 * the mapping). After DuplicateHandle the last handle may be closed in another
 * process, and a process's handles are closed before its address space goes:
 * either way the mapping outlives the handle or is undone in the wrong
 * process (CONT-6).
 */
#include "../reference.h"

DMA_CONFORMANCE_FAULTY_DRIVER("mapped-buffer-c-unmaps-in-closing-process", "mapped-buffer-ioctl",
                              "Unmaps the user mapping in the process that runs cleanup, never attaching to the owner, and not at all when that process is exiting.",
                              "CONT-6");

VOID UnmapFromOwner(PMAPPED_BUFFER Buffer) {
  if (!Buffer->UserVa) return;
  if (!PsGetProcessExitProcessCalled(IoGetCurrentProcess())) MmUnmapLockedPages(Buffer->UserVa, Buffer->Mdl);
  Buffer->UserVa = NULL;
}
