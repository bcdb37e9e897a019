import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MACHINE_KINDS, PLAIN_MACHINE, machineOfKind } from '../../src/conformance/machine-kinds';

test('each kind of machine changes one thing of the plain machine, so a failure names the thing', () => {
  for (const [kind, variant] of Object.entries(MACHINE_KINDS)) {
    const changed = (Object.keys(variant) as (keyof typeof variant)[]).filter((key) => variant[key] !== (PLAIN_MACHINE as unknown as Record<string, unknown>)[key]);
    // A 32-bit device needs RAM above 4 GiB to matter: that kind changes the two together.
    const expected = kind === 'a 32-bit device and 6 GiB of RAM' ? 2 : 1;
    assert.equal(changed.length, expected, `${kind} changes ${changed.join(', ') || 'nothing'}`);
  }
});

test('an unknown kind of machine is an error that lists the kinds there are', () => {
  assert.throws(() => machineOfKind('a quantum bus'), /no machine kind "a quantum bus"; the kinds are: "an IOMMU"/);
  assert.equal(machineOfKind('an IOMMU').iommu, true);
});
