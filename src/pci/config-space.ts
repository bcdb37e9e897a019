/**
 * The configuration space of one PCI function: the standard type-0 header
 * (256 bytes) with the fields a DMA driver depends on. Reads and writes follow
 * the PCI Local Bus specification closely enough that a driver can size BARs
 * by writing all-ones, enable decoding and bus mastering in the command
 * register, and clear error bits in the status register by writing ones.
 */
export const PciCommand = {
  IoSpace: 0x0001,
  MemorySpace: 0x0002,
  BusMaster: 0x0004,
  /** Stops the function from asserting its INTx line. */
  InterruptDisable: 0x0400,
} as const;

export const PciStatus = {
  /** The function has an interrupt pending (read-only mirror of its INTx state). */
  InterruptStatus: 0x0008,
  CapabilitiesList: 0x0010,
  /** A request this function mastered got no answer (nobody decoded it) or was refused. */
  ReceivedMasterAbort: 0x2000,
} as const;

/** Standard header offsets. */
export const PciConfigOffset = {
  VendorId: 0x00,
  DeviceId: 0x02,
  Command: 0x04,
  Status: 0x06,
  RevisionId: 0x08,
  ClassCode: 0x09,
  HeaderType: 0x0e,
  Bar0: 0x10,
  SubsystemVendorId: 0x2c,
  SubsystemId: 0x2e,
  CapabilitiesPointer: 0x34,
  InterruptLine: 0x3c,
  InterruptPin: 0x3d,
} as const;

/**
 * The DMA-addressing capability: a vendor-specific capability (ID 0x09) at
 * 0x40 whose flags byte says whether the function can emit 64-bit bus
 * addresses. PCI has no standard bit for this; a driver learns it from its
 * device, and here it reads it from config space.
 */
export const DMA_CAPABILITY_OFFSET = 0x40;
export const VENDOR_SPECIFIC_CAPABILITY_ID = 0x09;
export const DmaCapabilityFlag = { Addressing64Bit: 0x01 } as const;

export interface BarDescription {
  readonly kind: 'memory' | 'io';
  /** Bytes decoded; a power of two (memory at least 16, I/O at least 4 and at most 256). */
  readonly size: number;
  /** A 64-bit memory BAR takes this slot and the next. */
  readonly is64Bit?: boolean;
  readonly prefetchable?: boolean;
}

export interface PciIdentity {
  readonly vendorId: number;
  readonly deviceId: number;
  /** 24-bit class code: base class, subclass, programming interface. */
  readonly classCode: number;
  readonly revisionId?: number;
  readonly subsystemVendorId?: number;
  readonly subsystemId?: number;
  /** Up to six BAR slots; a 64-bit BAR's upper slot must be left undefined. */
  readonly bars: ReadonlyArray<BarDescription | undefined>;
  readonly dma64BitCapable: boolean;
  /** INTA#..INTD# as 1..4; 0 for a function without an interrupt. */
  readonly interruptPin: number;
}

const CONFIG_BYTES = 256;
const COMMAND_WRITABLE = PciCommand.IoSpace | PciCommand.MemorySpace | PciCommand.BusMaster | PciCommand.InterruptDisable;
/** Error bits of the status register are cleared by writing 1 (RW1C). */
const STATUS_WRITE_ONE_TO_CLEAR = 0xf900;

export class PciConfigSpace {
  readonly bars: ReadonlyArray<BarDescription | undefined>;
  readonly dma64BitCapable: boolean;
  /** After a surprise removal nothing answers: every read returns all ones. */
  removed = false;
  private readonly bytes = new Uint8Array(CONFIG_BYTES);
  private readonly view = new DataView(this.bytes.buffer);

  constructor(identity: PciIdentity) {
    this.bars = validateBars(identity.bars);
    this.dma64BitCapable = identity.dma64BitCapable;
    const v = this.view;
    v.setUint16(PciConfigOffset.VendorId, checkBits(identity.vendorId, 16, 'vendorId'), true);
    v.setUint16(PciConfigOffset.DeviceId, checkBits(identity.deviceId, 16, 'deviceId'), true);
    v.setUint8(PciConfigOffset.RevisionId, checkBits(identity.revisionId ?? 0, 8, 'revisionId'));
    const cc = checkBits(identity.classCode, 24, 'classCode');
    v.setUint8(PciConfigOffset.ClassCode, cc & 0xff);
    v.setUint16(PciConfigOffset.ClassCode + 1, cc >>> 8, true);
    v.setUint8(PciConfigOffset.HeaderType, 0);
    v.setUint16(PciConfigOffset.SubsystemVendorId, checkBits(identity.subsystemVendorId ?? identity.vendorId, 16, 'subsystemVendorId'), true);
    v.setUint16(PciConfigOffset.SubsystemId, checkBits(identity.subsystemId ?? identity.deviceId, 16, 'subsystemId'), true);
    if (identity.interruptPin < 0 || identity.interruptPin > 4) throw new RangeError(`interruptPin must be 0..4, got ${identity.interruptPin}`);
    v.setUint8(PciConfigOffset.InterruptPin, identity.interruptPin);
    v.setUint16(PciConfigOffset.Status, PciStatus.CapabilitiesList, true);
    v.setUint8(PciConfigOffset.CapabilitiesPointer, DMA_CAPABILITY_OFFSET);
    v.setUint8(DMA_CAPABILITY_OFFSET, VENDOR_SPECIFIC_CAPABILITY_ID);
    v.setUint8(DMA_CAPABILITY_OFFSET + 1, 0); // end of the capability list
    v.setUint8(DMA_CAPABILITY_OFFSET + 2, 4); // capability length
    v.setUint8(DMA_CAPABILITY_OFFSET + 3, identity.dma64BitCapable ? DmaCapabilityFlag.Addressing64Bit : 0);
    this.bars.forEach((bar, i) => {
      if (bar) this.view.setUint32(PciConfigOffset.Bar0 + 4 * i, barTypeBits(bar), true);
    });
  }

  get vendorId(): number { return this.view.getUint16(PciConfigOffset.VendorId, true); }
  get deviceId(): number { return this.view.getUint16(PciConfigOffset.DeviceId, true); }
  get command(): number { return this.view.getUint16(PciConfigOffset.Command, true); }
  get status(): number { return this.view.getUint16(PciConfigOffset.Status, true); }
  get interruptLine(): number { return this.view.getUint8(PciConfigOffset.InterruptLine); }
  get busMasterEnabled(): boolean { return (this.command & PciCommand.BusMaster) !== 0; }
  get memorySpaceEnabled(): boolean { return (this.command & PciCommand.MemorySpace) !== 0; }
  get ioSpaceEnabled(): boolean { return (this.command & PciCommand.IoSpace) !== 0; }
  get interruptDisabled(): boolean { return (this.command & PciCommand.InterruptDisable) !== 0; }

  /** Config read as the bus sees it: a removed function answers all ones. */
  read(offset: number, width: 1 | 2 | 4): number {
    checkConfigAccess(offset, width);
    if (this.removed) return allOnes(width);
    if (width === 1) return this.view.getUint8(offset);
    if (width === 2) return this.view.getUint16(offset, true);
    return this.view.getUint32(offset, true);
  }

  /** Config write: only writable fields change; BARs keep their size and type bits. */
  write(offset: number, width: 1 | 2 | 4, value: number): void {
    checkConfigAccess(offset, width);
    if (this.removed) return;
    for (let i = 0; i < width; i++) this.writeByte(offset + i, Math.floor(value / 2 ** (8 * i)) & 0xff);
    // BAR registers are resolved as whole dwords once all their bytes are in.
    const first = Math.floor(offset / 4) * 4;
    const last = Math.floor((offset + width - 1) / 4) * 4;
    for (let dw = first; dw <= last; dw += 4) {
      if (dw >= PciConfigOffset.Bar0 && dw < PciConfigOffset.Bar0 + 24) this.settleBar((dw - PciConfigOffset.Bar0) / 4);
    }
  }

  setCommandBits(bits: number, on: boolean): void {
    const c = on ? this.command | bits : this.command & ~bits;
    this.view.setUint16(PciConfigOffset.Command, c & COMMAND_WRITABLE, true);
  }

  setInterruptLine(line: number): void {
    this.view.setUint8(PciConfigOffset.InterruptLine, checkBits(line, 8, 'interrupt line'));
  }

  /** The function saw a master abort on a request it issued. */
  recordMasterAbort(): void {
    this.setStatusBit(PciStatus.ReceivedMasterAbort, true);
  }

  /** The device model mirrors its INTx state here. */
  setInterruptStatus(pending: boolean): void {
    this.setStatusBit(PciStatus.InterruptStatus, pending);
  }

  /** The base address a BAR decodes, or null while it is unassigned (zero). */
  barAddress(index: number): number | null {
    const bar = this.bars[index];
    if (!bar) throw new RangeError(`BAR${index} is not implemented by this function`);
    const low = this.view.getUint32(PciConfigOffset.Bar0 + 4 * index, true);
    const base = bar.kind === 'io' ? low & ~0x3 : (low & ~0xf) >>> 0;
    const high = bar.is64Bit ? this.view.getUint32(PciConfigOffset.Bar0 + 4 * (index + 1), true) : 0;
    const address = (base >>> 0) + high * 2 ** 32;
    return address === 0 ? null : address;
  }

  /** Firmware assignment of a BAR (what the bus does at boot). */
  assignBar(index: number, address: number): void {
    const bar = this.bars[index];
    if (!bar) throw new RangeError(`BAR${index} is not implemented by this function`);
    if (address % bar.size !== 0) throw new RangeError(`BAR${index} address 0x${address.toString(16)} is not aligned to its size ${bar.size}`);
    if (!bar.is64Bit && address + bar.size > 2 ** 32) throw new RangeError(`BAR${index} is a 32-bit BAR and cannot be placed at 0x${address.toString(16)}`);
    this.view.setUint32(PciConfigOffset.Bar0 + 4 * index, ((address % 2 ** 32) | barTypeBits(bar)) >>> 0, true);
    if (bar.is64Bit) this.view.setUint32(PciConfigOffset.Bar0 + 4 * (index + 1), Math.floor(address / 2 ** 32), true);
  }

  private setStatusBit(bit: number, on: boolean): void {
    const s = this.status;
    this.view.setUint16(PciConfigOffset.Status, on ? s | bit : s & ~bit, true);
  }

  private writeByte(offset: number, value: number): void {
    if (offset === PciConfigOffset.Command) {
      this.bytes[offset] = value & COMMAND_WRITABLE & 0xff;
    } else if (offset === PciConfigOffset.Command + 1) {
      this.bytes[offset] = value & (COMMAND_WRITABLE >>> 8);
    } else if (offset === PciConfigOffset.Status || offset === PciConfigOffset.Status + 1) {
      const shift = (offset - PciConfigOffset.Status) * 8;
      const clear = (value << shift) & STATUS_WRITE_ONE_TO_CLEAR;
      this.view.setUint16(PciConfigOffset.Status, this.status & ~clear, true);
    } else if (offset >= PciConfigOffset.Bar0 && offset < PciConfigOffset.Bar0 + 24) {
      this.bytes[offset] = value;
    } else if (offset === PciConfigOffset.InterruptLine) {
      this.bytes[offset] = value;
    }
    // Every other byte of the header is read-only; writes to it are ignored, as on hardware.
  }

  /** Apply the BAR rules after a write: keep type bits, drop address bits below the size. */
  private settleBar(index: number): void {
    const at = PciConfigOffset.Bar0 + 4 * index;
    const raw = this.view.getUint32(at, true);
    const bar = this.bars[index];
    const lower = index > 0 ? this.bars[index - 1] : undefined;
    if (bar) {
      const sizeMask = bar.size >= 2 ** 32 ? 0 : (~(bar.size - 1)) >>> 0;
      this.view.setUint32(at, ((raw & sizeMask) | barTypeBits(bar)) >>> 0, true);
    } else if (lower && lower.is64Bit) {
      // Upper half of a 64-bit BAR: bits below the size (when the size exceeds 4 GiB) stay zero.
      const highMask = lower.size > 2 ** 32 ? (~(lower.size / 2 ** 32 - 1)) >>> 0 : 0xffffffff;
      this.view.setUint32(at, (raw & highMask) >>> 0, true);
    } else {
      this.view.setUint32(at, 0, true); // unimplemented BAR reads as zero
    }
  }
}

export function allOnes(width: 1 | 2 | 4): number {
  return width === 4 ? 0xffffffff : width === 2 ? 0xffff : 0xff;
}

function barTypeBits(bar: BarDescription): number {
  if (bar.kind === 'io') return 0x1;
  return (bar.is64Bit ? 0x4 : 0) | (bar.prefetchable ? 0x8 : 0);
}

function isPowerOfTwo(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}

function validateBars(bars: ReadonlyArray<BarDescription | undefined>): ReadonlyArray<BarDescription | undefined> {
  if (bars.length > 6) throw new RangeError(`a type-0 PCI header has six BAR slots, got ${bars.length}`);
  const out = [...bars];
  while (out.length < 6) out.push(undefined);
  out.forEach((bar, i) => {
    if (!bar) return;
    if (!isPowerOfTwo(bar.size)) throw new RangeError(`BAR${i} size must be a power of two, got ${bar.size}`);
    if (bar.kind === 'io') {
      if (bar.size < 4 || bar.size > 256) throw new RangeError(`BAR${i}: an I/O BAR decodes 4..256 ports, got ${bar.size}`);
      if (bar.is64Bit || bar.prefetchable) throw new RangeError(`BAR${i}: an I/O BAR cannot be 64-bit or prefetchable`);
    } else if (bar.size < 16) {
      throw new RangeError(`BAR${i}: a memory BAR decodes at least 16 bytes, got ${bar.size}`);
    }
    if (bar.is64Bit) {
      if (i === 5) throw new RangeError('BAR5 cannot be 64-bit: the upper half would need a seventh slot');
      if (out[i + 1]) throw new RangeError(`BAR${i} is 64-bit, so slot ${i + 1} holds its upper half and must be left empty`);
    } else if (bar.size > 2 ** 31) {
      throw new RangeError(`BAR${i}: a 32-bit BAR cannot decode ${bar.size} bytes`);
    }
  });
  return out;
}

function checkBits(value: number, bits: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0 || value >= 2 ** bits) throw new RangeError(`${what} must fit in ${bits} bits, got ${value}`);
  return value;
}

function checkConfigAccess(offset: number, width: number): void {
  if (width !== 1 && width !== 2 && width !== 4) throw new RangeError(`config access width must be 1, 2 or 4 bytes, got ${width}`);
  if (!Number.isInteger(offset) || offset < 0 || offset + width > CONFIG_BYTES) throw new RangeError(`config offset 0x${offset.toString(16)} (width ${width}) is outside the 256-byte header`);
  if (offset % width !== 0) throw new RangeError(`config access at 0x${offset.toString(16)} is not aligned to its width ${width}`);
}
