/**
 * Spin locks. On one simulated processor a spin lock only raises the IRQL to
 * DISPATCH_LEVEL; acquiring one that is already held can never succeed (the
 * holder cannot run again), so it is reported as the driver hanging, which is
 * what the deadlock does on a real machine.
 */
import { Cpu } from '../../machine/cpu';
import { DISPATCH_LEVEL, Irql } from '../../machine/irql';
import { DriverHang } from './driver-hang';

export class KSPIN_LOCK {
  held = false;
  /** The driver holding it (null: kernel code). */
  holder: string | null = null;

  constructor(readonly name = 'spin lock') {}
}

export class SpinLocks {
  constructor(private readonly cpu: Cpu) {}

  KeInitializeSpinLock(SpinLock: KSPIN_LOCK): void {
    SpinLock.held = false;
    SpinLock.holder = null;
  }

  /** KeAcquireSpinLock: raise to DISPATCH_LEVEL and take the lock; returns the previous IRQL. */
  KeAcquireSpinLock(SpinLock: KSPIN_LOCK): Irql {
    const old = this.cpu.KeRaiseIrql(DISPATCH_LEVEL);
    this.take(SpinLock);
    return old;
  }

  KeReleaseSpinLock(SpinLock: KSPIN_LOCK, NewIrql: Irql): void {
    SpinLock.held = false;
    SpinLock.holder = null;
    this.cpu.KeLowerIrql(NewIrql);
  }

  KeAcquireSpinLockAtDpcLevel(SpinLock: KSPIN_LOCK): void {
    this.take(SpinLock);
  }

  KeReleaseSpinLockFromDpcLevel(SpinLock: KSPIN_LOCK): void {
    SpinLock.held = false;
    SpinLock.holder = null;
  }

  private take(SpinLock: KSPIN_LOCK): void {
    if (SpinLock.held) {
      const who = this.cpu.currentDriver ?? 'kernel';
      throw new DriverHang(who, `acquiring ${SpinLock.name}`, `it is already held by ${SpinLock.holder ?? 'kernel code'} and can never be released (deadlock)`);
    }
    SpinLock.held = true;
    SpinLock.holder = this.cpu.currentDriver;
  }
}
