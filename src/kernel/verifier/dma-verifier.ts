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
import { IndexedRange, MappedRangeIndex, allowsDirection } from './mapped-range-index';

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
  /** Per device: its mappings and the index of their ranges. */
  private readonly byDevice = new Map<number, MappedRangeIndex>();
  private lastDevice = -1;
  private lastIndex: MappedRangeIndex | undefined;
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
    let index = this.byDevice.get(m.requesterId);
    if (!index) this.byDevice.set(m.requesterId, (index = new MappedRangeIndex()));
    index.add(m);
  }

  unregisterMapping(m: DeviceMapping): void {
    if (m.requesterId === null) return;
    if (!this.byDevice.get(m.requesterId)?.remove(m)) throw new Error(`internal: mapping "${m.label}" unregistered but not registered`);
  }

  /** Mappings currently registered for a device. */
  mappingsOf(requesterId: number): DeviceMapping[] {
    return this.byDevice.get(requesterId)?.mappings() ?? [];
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

  /** The range whose mapping covers the access (MappedRangeIndex.covering). */
  private coveringPiece(device: number, address: number, length: number): IndexedRange | null {
    return this.indexOf(device)?.covering(address, length) ?? null;
  }

  private directionAllowed(device: number, address: number, length: number, write: boolean): boolean {
    return this.indexOf(device)!.allows(address, length, write);
  }

  private nearestRange(device: number, address: number): { below: boolean; start: number } | null {
    return this.indexOf(device)?.nearest(address) ?? null;
  }

  /** The device's index; the one asked for last is kept at hand (every access asks, and indexes are never dropped). */
  private indexOf(device: number): MappedRangeIndex | undefined {
    if (device === this.lastDevice) return this.lastIndex;
    const index = this.byDevice.get(device);
    if (index) {
      this.lastDevice = device;
      this.lastIndex = index;
    }
    return index;
  }
}

/** Sub-codes (parameter 2) of 0xE6/0x0F, as Microsoft documents them. */
export const OUTSIDE_FREE_MAP_REGISTER = 0x03;
export const OUTSIDE_PADDING_BEFORE = 0x04;
export const OUTSIDE_PADDING_AFTER = 0x05;

/** Sub-codes (parameter 2) of 0xE6/0x13, as Microsoft documents them. */
export const WRONG_IRQL_NOT_EXPECTED = 0x01;
export const WRONG_IRQL_TOO_HIGH = 0x02;

/** A finding as one line, for logs and reports. */
export function describeFinding(f: VerifierFinding): string {
  return `${f.id} (${f.rule}) at ${f.atNs} ns: bug check ${hex(f.bugCheckCode)} (${f.parameters.map(hex).join(', ')}): ${f.details}`;
}
