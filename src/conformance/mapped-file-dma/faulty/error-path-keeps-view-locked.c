/*
 * A variant of reference.c whose completion unlocks the view only on the
 * paths its writer thought of (success, cancel): a request the device fails
 * or loses goes back with its view still locked and its MDL never freed, and
 * the process exits with locked pages (PAGE-5).
 */
#include "../reference.h"

DMA_CONFORMANCE_FAULTY_DRIVER("mapped-file-c-error-path-keeps-view-locked", "mapped-file-dma",
  "Unlocks the view when a request succeeds or is cancelled but not when the device fails it: the process exits with the view's pages locked.",
  "PAGE-5");

VOID FinishRequest(PIRP Irp, NTSTATUS Status, ULONG_PTR Information) {
  if (NT_SUCCESS(Status) || Status == STATUS_CANCELLED) UnlockView(Irp);
  CompleteRequest(Irp, Status, NT_SUCCESS(Status) ? Information : 0);
}
