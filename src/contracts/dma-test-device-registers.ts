/**
 * The DMA test device's register map (docs/dma-device.md): what a driver and
 * the device model share, and nothing else. BAR layout, register offsets,
 * control and status bits, error codes, the descriptor format. A leaf: it
 * imports nothing, so a driver, its class's interface and the device model
 * all read the device from here.
 */
/** BAR0 (memory, 4 KiB): the register file. All registers are 32 bits, little-endian. */
export const DmaRegister = {
  Id: 0x00,
  Capabilities: 0x04,
  Control: 0x08,
  Status: 0x0c,
  InterruptStatus: 0x10,
  InterruptMask: 0x14,
  InterruptAck: 0x18,
  RingBaseLow: 0x20,
  RingBaseHigh: 0x24,
  RingCount: 0x28,
  RingProgress: 0x2c,
  BufferAddressLow: 0x30,
  BufferAddressHigh: 0x34,
  BufferLength: 0x38,
  MaxTransferLength: 0x3c,
  StreamOffsetLow: 0x40,
  StreamOffsetHigh: 0x44,
  BytesTransferred: 0x48,
  ErrorAddressLow: 0x4c,
  ErrorAddressHigh: 0x50,
  FifoData: 0x60,
} as const;

/** BAR1 (I/O, 16 ports). */
export const DmaPortRegister = {
  FifoData: 0x0,
  Status: 0x4,
} as const;

export const DmaBar = { Registers: 0, Ports: 1, MemoryWindow: 2 } as const;

/** "DMA" and revision 1. */
export const DMA_DEVICE_ID_VALUE = 0x444d4101;
export const DMA_DEVICE_VENDOR_ID = 0xda7a;
export const DMA_DEVICE_DEVICE_ID = 0x0001;

export const DmaCapability = { Addressing64Bit: 0x1, DescriptorRing: 0x2 } as const;

export const DmaControl = {
  /** Self-clearing: back to reset values; stops any transfer, clears a hang. */
  Reset: 0x01,
  /** Self-clearing: start a transfer with the programmed registers. */
  Start: 0x02,
  /** Self-clearing: stop the running transfer (status Error, code Aborted or Hang). */
  Abort: 0x04,
  InterruptEnable: 0x08,
  /** 1: descriptor ring; 0: one contiguous buffer. */
  ModeDescriptorRing: 0x10,
  /** 1: host-to-device (the device reads memory); 0: device-to-host. */
  DirectionHostToDevice: 0x20,
} as const;

export const DmaState = { Idle: 0, Busy: 1, Done: 2, Error: 3 } as const;
export const DmaStatusBit = {
  StateMask: 0x3,
  /** A Start arrived while busy and was ignored; cleared by the next accepted Start or a Reset. */
  CommandRejected: 0x4,
  ErrorCodeShift: 8,
} as const;

export const DmaError = {
  None: 0,
  /** Zero length, longer than MAX_TRANSFER_LENGTH, or a ring count of 0 or above the limit. */
  BadLength: 1,
  /** A data request got a master abort (bus master off, nothing decodes the address, or injected). */
  MasterAbort: 2,
  /** A descriptor could not be fetched or written back. */
  DescriptorFault: 3,
  /** The engine was stuck and had to be aborted. */
  Hang: 4,
  /** The device is gone (surprise removal); only visible through the model, registers read all ones. */
  Removed: 5,
  /** The IOMMU blocked a data request. */
  IommuFault: 6,
  /** The driver aborted a transfer that was progressing. */
  Aborted: 7,
} as const;
export type DmaErrorCode = (typeof DmaError)[keyof typeof DmaError];

const ERROR_NAMES = new Map<number, string>(Object.entries(DmaError).map(([name, code]) => [code, name]));

/** The name docs/dma-device.md gives an error code ("BadLength" ...). */
export function dmaErrorName(code: number): string {
  return ERROR_NAMES.get(code) ?? `unknown error ${code}`;
}

export const DmaInterrupt = { Done: 0x1, Error: 0x2, DescriptorComplete: 0x4 } as const;

/** A descriptor: address (u64) at 0, length (u32) at 8, flags (u32) at 12. */
export const DESCRIPTOR_SIZE = 16;
export const DescriptorFlag = {
  /** The last descriptor of the transfer; the ring count bounds it otherwise. */
  Last: 0x1,
  /** Raise DescriptorComplete when this descriptor is done. */
  InterruptOnCompletion: 0x2,
  /** Written back by the device into the flags word when the descriptor is done. */
  Completed: 0x80000000,
} as const;
export const MAX_RING_DESCRIPTORS = 4096;

