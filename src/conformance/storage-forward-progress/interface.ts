/**
 * What a storage-forward-progress driver and its applications share: plain
 * ReadFile and WriteFile requests on a DO_DIRECT_IO device (no IOCTL), of
 * which the driver finishes every one however its allocations fail (SG-5),
 * and the largest transfer the device is given for one of them.
 */
import { MiB } from '../../contracts/units';

/** The longest transfer one scatter/gather list maps; a longer request is cut into transfers of at most this (DEV-2). */
export const STORAGE_MAXIMUM_TRANSFER = 1 * MiB;
