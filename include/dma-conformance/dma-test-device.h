/*
 * The DMA test device (docs/dma-device.md): register offsets, control and
 * status bits, error codes and the descriptor format, for C drivers.
 * Written by `npm run headers` from src/contracts/dma-test-device-registers.ts;
 * do not edit by hand.
 */
#ifndef DMA_CONFORMANCE_DMA_TEST_DEVICE_H
#define DMA_CONFORMANCE_DMA_TEST_DEVICE_H

#define DMA_DEVICE_ID_VALUE 0x444d4101
#define DMA_DEVICE_VENDOR_ID 0xda7a
#define DMA_DEVICE_DEVICE_ID 0x1

/* BARs */
#define DMA_BAR_REGISTERS 0
#define DMA_BAR_PORTS 1
#define DMA_BAR_MEMORY_WINDOW 2

/* BAR0 (memory): 32-bit little-endian registers, by offset */
#define DMA_REG_ID 0x0
#define DMA_REG_CAPABILITIES 0x4
#define DMA_REG_CONTROL 0x8
#define DMA_REG_STATUS 0xc
#define DMA_REG_INTERRUPT_STATUS 0x10
#define DMA_REG_INTERRUPT_MASK 0x14
#define DMA_REG_INTERRUPT_ACK 0x18
#define DMA_REG_RING_BASE_LOW 0x20
#define DMA_REG_RING_BASE_HIGH 0x24
#define DMA_REG_RING_COUNT 0x28
#define DMA_REG_RING_PROGRESS 0x2c
#define DMA_REG_BUFFER_ADDRESS_LOW 0x30
#define DMA_REG_BUFFER_ADDRESS_HIGH 0x34
#define DMA_REG_BUFFER_LENGTH 0x38
#define DMA_REG_MAX_TRANSFER_LENGTH 0x3c
#define DMA_REG_STREAM_OFFSET_LOW 0x40
#define DMA_REG_STREAM_OFFSET_HIGH 0x44
#define DMA_REG_BYTES_TRANSFERRED 0x48
#define DMA_REG_ERROR_ADDRESS_LOW 0x4c
#define DMA_REG_ERROR_ADDRESS_HIGH 0x50
#define DMA_REG_FIFO_DATA 0x60

/* BAR1 (I/O ports), by offset */
#define DMA_PORT_FIFO_DATA 0x0
#define DMA_PORT_STATUS 0x4

/* CAPABILITIES bits */
#define DMA_CAPABILITY_ADDRESSING_64BIT 0x1
#define DMA_CAPABILITY_DESCRIPTOR_RING 0x2

/* CONTROL bits */
#define DMA_CONTROL_RESET 0x1
#define DMA_CONTROL_START 0x2
#define DMA_CONTROL_ABORT 0x4
#define DMA_CONTROL_INTERRUPT_ENABLE 0x8
#define DMA_CONTROL_MODE_DESCRIPTOR_RING 0x10
#define DMA_CONTROL_DIRECTION_HOST_TO_DEVICE 0x20

/* STATUS: the state (STATUS & DMA_STATUS_STATE_MASK) */
#define DMA_STATE_IDLE 0
#define DMA_STATE_BUSY 1
#define DMA_STATE_DONE 2
#define DMA_STATE_ERROR 3

/* STATUS bits; the error code is STATUS >> DMA_STATUS_ERROR_CODE_SHIFT */
#define DMA_STATUS_STATE_MASK 0x3
#define DMA_STATUS_COMMAND_REJECTED 0x4
#define DMA_STATUS_ERROR_CODE_SHIFT 0x8

/* Error codes */
#define DMA_ERROR_NONE 0
#define DMA_ERROR_BAD_LENGTH 1
#define DMA_ERROR_MASTER_ABORT 2
#define DMA_ERROR_DESCRIPTOR_FAULT 3
#define DMA_ERROR_HANG 4
#define DMA_ERROR_REMOVED 5
#define DMA_ERROR_IOMMU_FAULT 6
#define DMA_ERROR_ABORTED 7

/* INTERRUPT_STATUS / INTERRUPT_MASK / INTERRUPT_ACK bits */
#define DMA_INTERRUPT_DONE 0x1
#define DMA_INTERRUPT_ERROR 0x2
#define DMA_INTERRUPT_DESCRIPTOR_COMPLETE 0x4

/* Descriptor flags */
#define DMA_DESCRIPTOR_LAST 0x1
#define DMA_DESCRIPTOR_INTERRUPT_ON_COMPLETION 0x2
#define DMA_DESCRIPTOR_COMPLETED 0x80000000u

#define DMA_MAX_RING_DESCRIPTORS 4096

/* One descriptor of the ring: the device reads it, and writes DMA_DESCRIPTOR_COMPLETED back into Flags. */
typedef struct _DMA_DESCRIPTOR {
  ULONGLONG Address;
  ULONG Length;
  ULONG Flags;
} DMA_DESCRIPTOR, *PDMA_DESCRIPTOR;
_Static_assert(sizeof(DMA_DESCRIPTOR) == 16, "the device's descriptor is 16 bytes");

#endif
