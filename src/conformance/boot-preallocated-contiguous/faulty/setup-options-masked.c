/*
 * Faulty variant of the boot-preallocated-contiguous C reference, breaking
 * CONT-3: it adds KERNEL_BUFFER_ALLOC to the caller's options with `&` where
 * `|` belongs, so every set-up asks for options 0: no direction, no match
 * with the buffers preallocated at boot, and the set-up is refused.
 */
#include "../reference.h"

DMA_CONFORMANCE_FAULTY_DRIVER("ring-c-setup-options-masked", "boot-preallocated-contiguous",
  "Combines the set-up options with KERNEL_BUFFER_ALLOC by & instead of |, so no set-up matches the preallocated buffers or names a direction.", "CONT-3");

ULONG RingSetupOptions(const RING_SETUP_INPUT *Input) {
  return Input->Options & DMA_OPTION_KERNEL_BUFFER_ALLOC;
}
