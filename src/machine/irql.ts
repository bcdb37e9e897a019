/** Interrupt request levels of the simulated CPU, with their Windows names and values. */
export const PASSIVE_LEVEL = 0;
export const APC_LEVEL = 1;
export const DISPATCH_LEVEL = 2;
/** The level the simulated PCI devices interrupt at. */
export const DEVICE_LEVEL = 5;
export const HIGH_LEVEL = 15;

export type Irql = number;

export function irqlName(irql: Irql): string {
  switch (irql) {
    case PASSIVE_LEVEL: return 'PASSIVE_LEVEL';
    case APC_LEVEL: return 'APC_LEVEL';
    case DISPATCH_LEVEL: return 'DISPATCH_LEVEL';
    case HIGH_LEVEL: return 'HIGH_LEVEL';
    default: return `DIRQL(${irql})`;
  }
}
