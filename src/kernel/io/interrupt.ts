/**
 * Interrupt objects: IoConnectInterrupt attaches a driver's interrupt service
 * routine to the interrupt line of its device (found by the vector in the
 * device's resources). The line runs the ISR at DEVICE_LEVEL in no process's
 * context; KeSynchronizeExecution runs driver code at the ISR's level so it
 * cannot race the ISR.
 */
import { Cpu } from '../../machine/cpu';
import { Irql } from '../../machine/irql';
import { NtStatus, STATUS } from '../../machine/ntstatus';
import type { InterruptLine } from '../../pci/interrupt-line';
import { DriverExecution } from './driver-execution';
import type { KSPIN_LOCK } from './spin-lock';
import type { Acquisition } from '../../machine/driver-place';

export type KSERVICE_ROUTINE = (Interrupt: KINTERRUPT, ServiceContext: unknown) => boolean;
export type KSYNCHRONIZE_ROUTINE = (SynchronizeContext: unknown) => boolean;
export type KINTERRUPT_MODE = 'LevelSensitive' | 'Latched';

export class KINTERRUPT {
  connected = true;
  /** Times the ISR ran, and times it claimed the interrupt. */
  calls = 0;
  claimed = 0;
  disconnectFromLine: (() => void) | null = null;
  /** Where the driver connected it (IoConnectInterrupt), for an interrupt left connected. */
  connectedAt: Acquisition | null = null;

  constructor(
    readonly Vector: number,
    readonly Irql: Irql,
    readonly SynchronizeIrql: Irql,
    readonly ServiceRoutine: KSERVICE_ROUTINE,
    readonly ServiceContext: unknown,
    /** The driver that connected it. */
    readonly driverName: string,
  ) {}
}

export class InterruptConnections {
  private readonly lines = new Map<number, InterruptLine>();
  private readonly live = new Set<KINTERRUPT>();

  constructor(private readonly cpu: Cpu, private readonly execution: DriverExecution) {}

  /** Make a device's interrupt line reachable by its vector. */
  register(line: InterruptLine): void {
    this.lines.set(line.vector, line);
  }

  IoConnectInterrupt(
    ServiceRoutine: KSERVICE_ROUTINE,
    ServiceContext: unknown,
    _SpinLock: KSPIN_LOCK | null,
    Vector: number,
    Irql: Irql,
    SynchronizeIrql: Irql,
    _InterruptMode: KINTERRUPT_MODE = 'LevelSensitive',
    _ShareVector = true,
    _ProcessorEnableMask = 1,
    _FloatingSave = false,
  ): { status: NtStatus; InterruptObject: KINTERRUPT | null } {
    const line = this.lines.get(Vector);
    if (!line || typeof ServiceRoutine !== 'function' || SynchronizeIrql < Irql) return { status: STATUS.INVALID_PARAMETER, InterruptObject: null };
    const driver = this.cpu.currentDriver ?? 'kernel';
    const interrupt = new KINTERRUPT(Vector, Irql, SynchronizeIrql, ServiceRoutine, ServiceContext, driver);
    interrupt.connectedAt = this.cpu.acquisition('IoConnectInterrupt');
    interrupt.disconnectFromLine = line.connect(() => {
      interrupt.calls++;
      const claimed = this.execution.run(driver, 'ISR', { process: null }, () => Boolean(ServiceRoutine(interrupt, ServiceContext)));
      if (claimed) interrupt.claimed++;
      return claimed;
    });
    this.live.add(interrupt);
    return { status: STATUS.SUCCESS, InterruptObject: interrupt };
  }

  IoDisconnectInterrupt(InterruptObject: KINTERRUPT): void {
    if (!InterruptObject.connected) throw new Error(`IoDisconnectInterrupt: the interrupt object for vector ${InterruptObject.Vector} is already disconnected`);
    InterruptObject.connected = false;
    InterruptObject.disconnectFromLine?.();
    InterruptObject.disconnectFromLine = null;
    this.live.delete(InterruptObject);
  }

  /** KeSynchronizeExecution: run the routine at the interrupt's synchronize level; returns its result. */
  KeSynchronizeExecution(Interrupt: KINTERRUPT, SynchronizeRoutine: KSYNCHRONIZE_ROUTINE, SynchronizeContext: unknown): boolean {
    const level = Math.max(this.cpu.irql, Interrupt.SynchronizeIrql);
    return Boolean(this.cpu.atIrql(level, () => SynchronizeRoutine(SynchronizeContext)));
  }

  /** Interrupt objects still connected, optionally of one driver (for leak checks at unload). */
  connected(driver?: string): KINTERRUPT[] {
    return [...this.live].filter((i) => driver === undefined || i.driverName === driver);
  }
}
