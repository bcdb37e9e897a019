/**
 * The DMA verifier: Driver Verifier's DMA checks for the simulated machine.
 *
 * It watches two sides. The HAL reports driver misuse of the DMA routines
 * (double puts, adapters released early ...) and registers every range it
 * maps for a device; the bus calls it before each device access to a RAM
 * frame (DmaObserver), where it applies the headline rule: the frame must be
 * locked or non-paged at that moment (PAGE-1), and the bus address must lie in
 * a range currently mapped for that device.
 *
 * The boot configuration decides what a finding does: 'bugcheck' stops the
 * machine with 0xE6 and the catalog's parameters, 'record' only keeps it.
 */
import { BugCheck, hex } from '../../machine/bug-check';
import { PASSIVE_LEVEL } from '../../machine/irql';
import { formatAddress } from '../../contracts/units';
import type { DeviceRamAccess, DevicePeerAccess, DmaFault, DmaObserver } from '../../pci/dma-observer';
import type { Kernel } from '../kernel';
import { DRIVER_VERIFIER_DMA_VIOLATION, ViolationId, violationEntry } from './violation-catalog';
import type { RuleId } from '../../rules/rule-catalog';
import type { DriverPlace } from '../../machine/driver-place';
import { detectionEnabled } from '../detections/detection-switch';

/** A range of device-visible (bus) addresses. */
export interface DeviceRange {
  readonly address: number;
  readonly length: number;
}

export type MappingKind = 'scatter-gather-list' | 'map-transfer' | 'common-buffer' | 'library-buffer';

/** Something the HAL mapped for a device: the device may DMA inside its ranges until it is unregistered. */
export interface DeviceMapping {
  readonly kind: MappingKind;
  /** The device's requester ID on the bus; null when the adapter's device is not on the bus. */
  readonly requesterId: number | null;
  readonly adapterId: number;
  readonly ranges: readonly DeviceRange[];
  /** The MDL the mapping describes (0 for common buffers). */
  readonly mdlId: number;
  /** Direction of a streaming mapping; null for common buffers (both ways). */
  readonly writeToDevice: boolean | null;
  readonly label: string;
}

export interface VerifierFinding {
  readonly id: ViolationId;
  readonly rule: RuleId;
  readonly bugCheckCode: number;
  /** Parameters 1..4 as the bug check would carry them. */
  readonly parameters: readonly [number, number, number, number];
  readonly windows: string;
  readonly linux: string;
  readonly details: string;
  /** Simulated time of the finding, in ns. */
  readonly atNs: number;
  /** The driver whose code was running, when known. */
  readonly driver: string | null;
  /** Where in that driver's source, when its personality could tell. */
  readonly place?: DriverPlace;
}

export class DmaVerifier implements DmaObserver {
  readonly findings: VerifierFinding[] = [];
  /** Device accesses to RAM checked so far. */
  checkedAccesses = 0;
  peerAccesses = 0;
  /**
   * Per device: its mappings, and each mapped range indexed by every 64 KiB
   * stretch of bus addresses it touches (a device access looks at one or
   * two), so a range of many pages costs one entry per stretch, not per page.
   */
  private readonly byDevice = new Map<number, DeviceIndex>();
  /** Mappings the device has moved data through: a list whose transfer has not started has none of its bytes moved. */
  private readonly reached = new WeakSet<DeviceMapping>();

  constructor(private readonly kernel: Kernel) {}

  get mode(): 'bugcheck' | 'record' {
    return this.kernel.config.verifierMode;
  }

  /**
   * A violation was found. It is always recorded; in 'bugcheck' mode the
   * machine then stops with 0xE6 and this call does not return. A finding
   * about something the driver still holds names where it was acquired
   * (`acquiredAt`), else the driver's call running now.
   */
  report(id: ViolationId, p2: number, p3: number, p4: number, details: string, acquiredAt?: DriverPlace): void {
    if (!detectionEnabled(id)) return;
    const entry = violationEntry(id);
    const place = acquiredAt ?? this.kernel.placeInDriver();
    const finding: VerifierFinding = {
      id,
      rule: entry.rule,
      bugCheckCode: DRIVER_VERIFIER_DMA_VIOLATION,
      parameters: [entry.parameter1, p2, p3, p4],
      windows: entry.windows,
      linux: entry.linux,
      details,
      atNs: this.kernel.clock.now,
      driver: this.kernel.cpu.currentDriver,
      ...(place ? { place } : {}),
    };
    this.findings.push(finding);
    if (this.mode === 'bugcheck') {
      const stop = new BugCheck(DRIVER_VERIFIER_DMA_VIOLATION, entry.parameter1, p2, p3, p4, `${id}: ${details}`);
      if (place) stop.place = place;
      this.kernel.crash(stop);
    }
  }

  findingsOf(id: ViolationId): VerifierFinding[] {
    return this.findings.filter((f) => f.id === id);
  }

  // --- mappings the HAL registers ---------------------------------------------

  registerMapping(m: DeviceMapping): void {
    if (m.requesterId === null) return; // a device off the bus never reaches the observer
    let d = this.byDevice.get(m.requesterId);
    if (!d) this.byDevice.set(m.requesterId, (d = { all: new Set(), byStretch: new Map(), emptyStretches: 0 }));
    if (d.all.has(m)) throw new Error(`internal: mapping "${m.label}" registered twice`);
    d.all.add(m);
    const registration: Registration = { reached: false };
    for (const r of m.ranges) {
      if (r.length <= 0) continue;
      const piece: IndexedRange = { start: r.address, end: r.address + r.length, m, registration };
      for (let k = stretchOf(piece.start); k <= stretchOf(piece.end - 1); k++) {
        const list = d.byStretch.get(k);
        if (!list) d.byStretch.set(k, [piece]);
        else if (list.push(piece) === 1) d.emptyStretches--;
      }
    }
  }

  unregisterMapping(m: DeviceMapping): void {
    if (m.requesterId === null) return;
    const d = this.byDevice.get(m.requesterId);
    if (!d || !d.all.delete(m)) throw new Error(`internal: mapping "${m.label}" unregistered but not registered`);
    for (const r of m.ranges) {
      if (r.length <= 0) continue;
      for (let k = stretchOf(r.address); k <= stretchOf(r.address + r.length - 1); k++) {
        const list = d.byStretch.get(k);
        if (!list || list.length === 0) continue;
        let kept = 0;
        for (const p of list) if (p.m !== m) list[kept++] = p;
        list.length = kept;
        if (kept === 0) d.emptyStretches++;
      }
    }
    if (d.emptyStretches > MAX_EMPTY_STRETCHES + d.byStretch.size / 2) dropEmptyStretches(d);
  }

  /** Mappings currently registered for a device. */
  mappingsOf(requesterId: number): DeviceMapping[] {
    return [...(this.byDevice.get(requesterId)?.all ?? [])];
  }

  /** Whether the device has moved any byte through the mapping since it was registered. */
  deviceReached(m: DeviceMapping): boolean {
    return this.reached.has(m);
  }

  // --- DmaObserver ------------------------------------------------------------

  onDeviceAccess(a: DeviceRamAccess): void {
    this.checkedAccesses++;
    const covering = this.reach(this.coveringPiece(a.device, a.busAddress, a.length));
    if (!this.kernel.mm.isLockedOrNonPaged(a.pfn)) {
      const owner = this.kernel.physical.ownerOf(a.pfn)?.ownerName ?? 'nobody (free)';
      this.report('VER-UNLOCKED-DMA', covering?.mdlId ?? 0, a.pfn, a.write ? 1 : 0,
        `${a.deviceName} ${a.write ? 'wrote' : 'read'} ${a.length} byte(s) at ${formatAddress(a.physicalAddress)} (frame ${a.pfn}), which is neither locked nor non-paged; the frame now belongs to ${owner}` +
        (covering ? ` (mapped by ${covering.label})` : ''));
      return;
    }
    if (!covering) {
      const near = this.nearestRange(a.device, a.busAddress);
      const words = near === null ? 'no buffer is mapped for the device at all' : `${near.below ? 'before' : 'after'} the nearest mapped buffer, which starts at ${formatAddress(near.start)}`;
      this.reportOutside(near, a.busAddress,
        `${a.deviceName} ${a.write ? 'wrote' : 'read'} ${a.length} byte(s) at bus address ${formatAddress(a.busAddress)}, outside every buffer mapped for it (${words})`);
      return;
    }
    // The covering mapping usually allows the direction itself; only when it does not are the others looked at.
    if (!allowsDirection(covering, a.write) && !this.directionAllowed(a.device, a.busAddress, a.length, a.write)) this.reportDirection(a.device, a.deviceName, a.busAddress, a.length, a.write, covering);
  }

  /**
   * 0xE6/0x0F with its documented sub-codes (parameter 2). The simulator sees
   * the access itself rather than damaged guard bytes, so it reads Windows'
   * sub-codes this way [inferred]: next to a mapped buffer is the padding
   * before it (0x04) or after it (0x05), with P3 the buffer's start and P4 the
   * address hit; where the device has nothing mapped it hit memory no map
   * register covers any more (0x03, "free map register overwritten"), with P3
   * the address hit.
   */
  private reportOutside(near: { below: boolean; start: number } | null, busAddress: number, details: string): void {
    if (near === null) this.report('VER-DMA-OUTSIDE-BUFFER', OUTSIDE_FREE_MAP_REGISTER, busAddress, 0, details);
    else this.report('VER-DMA-OUTSIDE-BUFFER', near.below ? OUTSIDE_PADDING_BEFORE : OUTSIDE_PADDING_AFTER, near.start, busAddress, details);
  }

  /**
   * 0xE6/0x13: a DMA routine called at the wrong IRQL. A routine that must run
   * at PASSIVE_LEVEL has one expected IRQL (sub-code 0x01, P3 expected IRQL);
   * the others have a highest one (sub-code 0x02, P3 expected maximum). P4 is
   * the current IRQL.
   */
  reportWrongIrql(current: number, allowed: number, details: string): void {
    this.report('VER-WRONG-IRQL', allowed === PASSIVE_LEVEL ? WRONG_IRQL_NOT_EXPECTED : WRONG_IRQL_TOO_HIGH, allowed, current, details);
  }

  /** 0xE6/0x1B: P2 the virtual address outside the MDL, P3 the MDL. */
  reportAddressNotInMdl(outsideVa: number, mdlId: number, details: string): void {
    this.report('VER-ADDRESS-NOT-IN-MDL', outsideVa, mdlId, 0, details);
  }

  onDmaFault(f: DmaFault): void {
    switch (f.kind) {
      case 'bus-master-disabled':
        this.report('VER-BUS-MASTER-OFF', f.device, f.busAddress, f.length,
          `${f.deviceName} tried to ${f.write ? 'write' : 'read'} ${f.length} byte(s) at ${formatAddress(f.busAddress)} with bus mastering disabled in its command register (DEV-1)`);
        return;
      case 'iommu-blocked':
        if (this.refusedForDirection(f)) return;
        this.report('VER-IOMMU-FAULT', f.device, f.busAddress, f.write ? 1 : 0,
          `the IOMMU blocked ${f.deviceName}'s ${f.write ? 'write' : 'read'} of ${f.length} byte(s) at ${formatAddress(f.busAddress)}: nothing is mapped there for the device`);
        return;
      case 'no-target':
        this.reportOutside(null, f.busAddress,
          `${f.deviceName} tried to ${f.write ? 'write' : 'read'} ${f.length} byte(s) at ${formatAddress(f.busAddress)}, where neither RAM nor a device decodes`);
        return;
      case 'injected-master-abort':
        return; // a device fault a test injected, not a driver's misuse
    }
  }

  /**
   * The IOMMU maps a streaming mapping for one direction only, so a device
   * moving data the other way is refused there, before any frame is
   * touched: the verifier names the mapping's direction, not a missing
   * mapping.
   */
  private refusedForDirection(f: DmaFault): boolean {
    const covering = this.coveringMapping(f.device, f.busAddress, f.length);
    if (!covering || this.directionAllowed(f.device, f.busAddress, f.length, f.write)) return false;
    this.reportDirection(f.device, f.deviceName, f.busAddress, f.length, f.write, covering);
    return true;
  }

  private reportDirection(device: number, deviceName: string, busAddress: number, length: number, write: boolean, covering: DeviceMapping): void {
    this.report('VER-DIRECTION-MISMATCH', device, busAddress, write ? 1 : 0,
      `${deviceName} ${write ? 'wrote' : 'read'} ${length} byte(s) at bus address ${formatAddress(busAddress)}, mapped by ${covering.label} ` +
      `with WriteToDevice=${covering.writeToDevice ? 'TRUE' : 'FALSE'}: the device may only ${covering.writeToDevice ? 'read' : 'write'} it`);
  }

  onPeerAccess(a: DevicePeerAccess): void {
    this.peerAccesses++; // peer-to-peer: nothing crosses RAM, nothing to check here
    this.reach(this.coveringPiece(a.device, a.busAddress, a.length));
  }

  // --- internals --------------------------------------------------------------

  /** The device moved data through the piece's mapping: remembered once per registration, not once per access. */
  private reach(piece: IndexedRange | null): DeviceMapping | null {
    if (piece === null) return null;
    if (!piece.registration.reached) {
      piece.registration.reached = true;
      this.reached.add(piece.m);
    }
    return piece.m;
  }

  private coveringMapping(device: number, address: number, length: number): DeviceMapping | null {
    return this.coveringPiece(device, address, length)?.m ?? null;
  }

  /** A piece of the mapping that covers the access (with adjacent ranges, the one holding its first byte). */
  private coveringPiece(device: number, address: number, length: number): IndexedRange | null {
    const d = this.byDevice.get(device);
    if (!d) return null;
    const end = address + length;
    // Usually one range holds the whole access: the overlapping range that starts first (the earliest registered
    // of those that start there), when it covers the access, is the answer the sweep below would give.
    let firstPiece: IndexedRange | null = null;
    for (let k = stretchOf(address); k <= stretchOf(end - 1); k++) {
      for (const p of d.byStretch.get(k) ?? NO_RANGES) if (p.start < end && p.end > address && (firstPiece === null || p.start < firstPiece.start)) firstPiece = p;
    }
    if (firstPiece === null || firstPiece.start > address) return null;
    if (firstPiece.end >= end) return firstPiece;
    const pieces: IndexedRange[] = [];
    for (let k = stretchOf(address); k <= stretchOf(end - 1); k++) {
      for (const p of d.byStretch.get(k) ?? NO_RANGES) if (p.start < end && p.end > address) pieces.push(p);
    }
    // The access may straddle adjacent ranges (of one or several mappings): sweep their union.
    pieces.sort((x, y) => x.start - y.start);
    let reached = address;
    let first: IndexedRange | null = null;
    for (const p of pieces) {
      if (p.start > reached) break;
      if (p.end > reached) {
        if (first === null) first = p;
        reached = p.end;
      }
      if (reached >= end) return first;
    }
    return null;
  }

  /**
   * Some mapping overlapping the access lets the device move data that way:
   * a common buffer goes both ways, a streaming mapping only in the direction
   * the driver gave the HAL. Overlapping mappings of one buffer in both
   * directions (a buffer mapped for a read and a write at once) allow both.
   */
  private directionAllowed(device: number, address: number, length: number, write: boolean): boolean {
    const d = this.byDevice.get(device)!;
    const end = address + length;
    for (let k = stretchOf(address); k <= stretchOf(end - 1); k++) {
      for (const p of d.byStretch.get(k) ?? NO_RANGES) {
        if (p.start < end && p.end > address && allowsDirection(p.m, write)) return true;
      }
    }
    return false;
  }

  /** The mapped range nearest to an address outside all of them: whether the address lies below it, and where it starts. */
  private nearestRange(device: number, address: number): { below: boolean; start: number } | null {
    const d = this.byDevice.get(device);
    let nearest = Infinity;
    let found: { below: boolean; start: number } | null = null;
    // An access that starts inside a range and was not covered ran past its end.
    let startedInside: number | null = null;
    for (const m of d?.all ?? []) {
      for (const r of m.ranges) {
        const distBelow = r.address - address; // positive: access is below this range
        const distAbove = address - (r.address + r.length - 1);
        if (distBelow > 0 && distBelow < nearest) { nearest = distBelow; found = { below: true, start: r.address }; }
        if (distAbove > 0 && distAbove < nearest) { nearest = distAbove; found = { below: false, start: r.address }; }
        if (distBelow <= 0 && distAbove <= 0) startedInside = r.address;
      }
    }
    if (startedInside !== null) return { below: false, start: startedInside };
    return found;
  }
}

/** Sub-codes (parameter 2) of 0xE6/0x0F, as Microsoft documents them. */
export const OUTSIDE_FREE_MAP_REGISTER = 0x03;
export const OUTSIDE_PADDING_BEFORE = 0x04;
export const OUTSIDE_PADDING_AFTER = 0x05;

/** Sub-codes (parameter 2) of 0xE6/0x13, as Microsoft documents them. */
export const WRONG_IRQL_NOT_EXPECTED = 0x01;
export const WRONG_IRQL_TOO_HIGH = 0x02;

interface IndexedRange {
  readonly start: number;
  readonly end: number;
  readonly m: DeviceMapping;
  readonly registration: Registration;
}

/** A mapping while it is registered, shared by its pieces in the index. */
interface Registration {
  /** The device has moved data through it (`reached` holds it). */
  reached: boolean;
}

/**
 * One device's mappings and their index. A stretch's list stays in the index
 * when its last range goes: the next transfer into the same pages (a driver
 * reusing its buffers) fills it again without growing and shrinking the map
 * page by page. `emptyStretches` counts such lists, so they can be dropped
 * when they come to outnumber the ones in use.
 */
interface DeviceIndex {
  readonly all: Set<DeviceMapping>;
  readonly byStretch: Map<number, IndexedRange[]>;
  emptyStretches: number;
}

const NO_RANGES: readonly IndexedRange[] = [];

/** Empty stretch lists a device's index keeps before it drops them (and more while at least as many are in use). */
const MAX_EMPTY_STRETCHES = 4096;

function dropEmptyStretches(d: DeviceIndex): void {
  for (const [k, list] of d.byStretch) if (list.length === 0) d.byStretch.delete(k);
  d.emptyStretches = 0;
}

/** A common buffer goes both ways; a streaming mapping lets the device only read (WriteToDevice) or only write. */
function allowsDirection(m: DeviceMapping, write: boolean): boolean {
  return m.writeToDevice === null || m.writeToDevice !== write;
}

/** Bytes of bus address space per index entry of the mapped ranges. */
const STRETCH_BYTES = 64 * 1024;

function stretchOf(address: number): number {
  return Math.floor(address / STRETCH_BYTES);
}

/** A finding as one line, for logs and reports. */
export function describeFinding(f: VerifierFinding): string {
  return `${f.id} (${f.rule}) at ${f.atNs} ns: bug check ${hex(f.bugCheckCode)} (${f.parameters.map(hex).join(', ')}): ${f.details}`;
}
