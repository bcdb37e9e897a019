/**
 * What a read-write-direct driver and its applications share: the plain
 * ReadFile and WriteFile requests on a DO_DIRECT_IO device (no IOCTL), and
 * the largest request the class's applications make.
 */
import { MiB } from '../../contracts/units';

/** The largest read or write an application of the class makes (1 byte to 8 MiB, any start in a page). */
export const READ_WRITE_DIRECT_LARGEST_REQUEST = 8 * MiB;
