/*
 * A variant of the C reference: cleanup walks the handle's buffer table from
 * the end and stops one slot early (i > 1 where i - 1 is the slot), so the
 * buffer in slot 0 is never given back. Its hand-down request
 * stays pending after the handle is closed, and the application's pages stay
 * locked (PAGE-5).
 */
#include "../reference.h"

DMA_CONFORMANCE_FAULTY_DRIVER("shared-buffer-c-cleanup-loop-skips-first", "shared-buffer-ioctl",
                              "At cleanup, walks the handle's buffer table from the last slot down to slot 1, never giving back the buffer in slot 0.",
                              "PAGE-5");

VOID GiveBackHandleBuffers(PDEVICE_EXTENSION Ext, PSHARED_OPEN Open) {
  for (ULONG i = Open->BufferCount; i > 1; i--) {
    PSHARED_BUFFER buffer = Open->Buffers[i - 1];
    if (IoSetCancelRoutine(buffer->Irp, NULL) != NULL) GiveBack(Ext, buffer, STATUS_SUCCESS);
    else if (buffer->CancelRequested) GiveBack(Ext, buffer, STATUS_CANCELLED);
  }
}
