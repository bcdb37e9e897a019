/**
 * A class's C header, include/dma-conformance/<class>.h, states the class's
 * interface (src/conformance/<class>/interface.ts) for C drivers: every IOCTL
 * code of the interface is defined there, and every constant both name has
 * one value. An IOCTL is written as the WDK writes it, CTL_CODE(...), and
 * evaluated here with the contract's CTL_CODE.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import * as ioctl from '../../src/contracts/ioctl';
import { CONFORMANCE_CLASS_NAMES } from '../../src/conformance/classes';
import { CONFORMANCE_DIRECTORY } from '../../src/conformance/driver-finder';
import { C_INCLUDE_DIR } from '../../src/personalities/c-wasm/compiler';

const NAMED: Readonly<Record<string, number>> = {
  FILE_DEVICE_UNKNOWN: ioctl.FILE_DEVICE_UNKNOWN, FILE_ANY_ACCESS: ioctl.FILE_ANY_ACCESS, FILE_READ_ACCESS: ioctl.FILE_READ_ACCESS, FILE_WRITE_ACCESS: ioctl.FILE_WRITE_ACCESS,
  METHOD_BUFFERED: ioctl.METHOD_BUFFERED, METHOD_IN_DIRECT: ioctl.METHOD_IN_DIRECT, METHOD_OUT_DIRECT: ioctl.METHOD_OUT_DIRECT, METHOD_NEITHER: ioctl.METHOD_NEITHER,
};

/** The header's #defines whose value is a number, a CTL_CODE(...) of known names and numbers, or another such #define. */
function definesOf(text: string): Map<string, number> {
  const defines = new Map<string, number>();
  const valueOf = (token: string): number => {
    const t = token.trim().replace(/^\((.*)\)$/, '$1').replace(/[uUlL]+$/, '');
    if (/^(0x[0-9a-fA-F]+|\d+)$/.test(t)) return Number(t);
    const known = NAMED[t] ?? defines.get(t);
    if (known === undefined) throw new Error(`cannot evaluate ${token}`);
    return known;
  };
  for (const m of text.matchAll(/^#define\s+(\w+)\s+(.+?)\s*(?:\/\*.*)?$/gm)) {
    const [, name, body] = m as unknown as [string, string, string];
    const ctl = /^CTL_CODE\((.*)\)$/.exec(body);
    try {
      if (ctl) {
        const [type, fn, method, access] = ctl[1]!.split(',').map(valueOf);
        defines.set(name, ioctl.CTL_CODE(type!, fn!, method as ioctl.TransferMethod, access!));
      } else defines.set(name, valueOf(body));
    } catch {
      // not a number: a macro with parameters or an expression the test does not read
    }
  }
  return defines;
}

describe('the classes\' C headers', () => {
  const withHeaders = CONFORMANCE_CLASS_NAMES.filter((c) => fs.existsSync(path.join(C_INCLUDE_DIR, 'dma-conformance', `${c}.h`)));

  it('evaluates the WDK\'s CTL_CODE form', () => {
    const defines = definesOf('#define IOCTL_X CTL_CODE(FILE_DEVICE_UNKNOWN, 0x900, METHOD_BUFFERED, FILE_ANY_ACCESS)\n#define BYTES 16 /* why */\n');
    assert.equal(defines.get('IOCTL_X'), ioctl.CTL_CODE(0x22, 0x900, 0, 0));
    assert.equal(defines.get('BYTES'), 16);
  });

  for (const conformanceClass of withHeaders) {
    it(`${conformanceClass}.h agrees with ${conformanceClass}/interface.ts`, () => {
      const defines = definesOf(fs.readFileSync(path.join(C_INCLUDE_DIR, 'dma-conformance', `${conformanceClass}.h`), 'utf8'));
      const exported = require(path.join(CONFORMANCE_DIRECTORY, conformanceClass, 'interface')) as Record<string, unknown>;
      const numbers = Object.entries(exported).filter((e): e is [string, number] => typeof e[1] === 'number');
      for (const [name, value] of numbers) {
        if (name.startsWith('IOCTL_')) assert.ok(defines.has(name), `${conformanceClass}.h defines ${name}`);
        if (defines.has(name)) assert.equal(defines.get(name), value, `${name} in ${conformanceClass}.h`);
      }
    });
  }
});
