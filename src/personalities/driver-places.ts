/**
 * Each loaded driver's way of finding itself in a call stack (DriverPlaceFinder),
 * registered by its personality when it loads the driver and handed to a
 * machine's kernel when the driver is installed there.
 */
import * as path from 'node:path';
import type { DriverModule } from './wdm/contract';
import type { DriverPlace, DriverPlaceFinder } from '../machine/driver-place';

const finders = new WeakMap<DriverModule, DriverPlaceFinder>();

export function setPlaceFinderOf(driver: DriverModule, finder: DriverPlaceFinder): void {
  finders.set(driver, finder);
}

export function placeFinderOf(driver: DriverModule): DriverPlaceFinder | undefined {
  return finders.get(driver);
}

/** "    at Device.programDevice (/abs/file.ts:12:7)" or "    at /abs/file.ts:12:7". */
const JS_FRAME = /^\s*at (?:(.+?) \()?(\/[^()]+?):(\d+):\d+\)?$/;

/**
 * A TypeScript (or JavaScript) driver's frames are those in its module's folder: the module's own
 * file and the files beside it (a faulty variant in faulty/ counts its class folder, whose reference it
 * builds on). Files are named relative to the working directory.
 */
export function moduleFramePlaceFinder(modulePath: string): DriverPlaceFinder {
  const absolute = path.resolve(modulePath);
  let folder = path.dirname(absolute);
  if (path.basename(folder) === 'faulty') folder = path.dirname(folder);
  const inside = folder + path.sep;
  return (stack: string): DriverPlace | null => {
    for (const line of stack.split('\n')) {
      const frame = JS_FRAME.exec(line);
      if (!frame || !frame[2]!.startsWith(inside)) continue;
      const file = path.relative(process.cwd(), frame[2]!) || frame[2]!;
      return { function: (frame[1] ?? '<module code>').replace(/^Object\./, ''), file, line: Number(frame[3]) };
    }
    return null;
  };
}
