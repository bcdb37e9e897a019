/**
 * The layout's boundaries (README.md, Architecture), checked on the import
 * graph of the whole tree so that a wrong import fails here, naming the file,
 * the line and the import, instead of surviving review:
 *
 * - a driver (a class's reference.ts and faulty/*.ts, docs/example-driver.ts)
 *   imports only the leaf contracts, the WDM contract, the driver kit, its own
 *   class's interface.ts and (a faulty driver) its own class's reference.ts:
 *   what a driver outside the suite could import too;
 * - the driver kit imports only the contract, the kernel API and the leaf
 *   contracts;
 * - only the loader and the driver finder load a driver module, so every
 *   tool sees the drivers the same way (tests too: they ask the finder);
 * - a leaf contract imports nothing; a class's interface.ts only leaf
 *   contracts; a class's application.ts nothing of another class;
 * - the simulated machine (src/machine, src/contracts, src/pci, src/kernel)
 *   imports nothing of the layers built on it, type-only imports included
 *   (a type import still makes the lower layer's meaning depend on the upper
 *   one); the sweep does not reach into the fuzzer's workload internals;
 * - IOCTL codes are distinct across classes;
 * - the class table, the class folders, the feature files and the reference
 *   drivers match one to one.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { CONFORMANCE_CLASS_NAMES } from '../../src/conformance/classes';
import { ImportEdge, ROOT, importsOf, projectImportGraph } from './import-graph';

const LOADER = 'src/personalities/wdm/loader.ts';
const FINDER = 'src/conformance/driver-finder.ts';
const CONTRACT = 'src/personalities/wdm/contract.ts';
const KERNEL_API = 'src/personalities/wdm/kernel-api.ts';
const DRIVER_KIT = 'src/personalities/wdm/driver-kit.ts';
const EXAMPLE_DRIVER = 'docs/example-driver.ts';

const LOWER_LAYERS = ['src/machine/', 'src/contracts/', 'src/pci/', 'src/kernel/'];
const UPPER_LAYERS = ['src/workload/', 'src/oracles/', 'src/diagnosis/', 'src/fuzz/', 'src/sweep/', 'src/conformance/', 'src/personalities/'];

/** The class folder a path lies in (src/conformance/<class>/...), or null. */
function classOf(file: string): string | null {
  return /^src\/conformance\/([^/]+)\//.exec(file)?.[1] ?? null;
}

function isFaultyDriver(file: string): boolean {
  return /^src\/conformance\/[^/]+\/faulty\/[^/]+\.ts$/.test(file);
}

function isConformingDriver(file: string): boolean {
  return /^src\/conformance\/[^/]+\/conforming\/[^/]+\.ts$/.test(file);
}

/** A faulty or conforming driver: it may build on its class's reference driver. */
function buildsOnReference(file: string): boolean {
  return isFaultyDriver(file) || isConformingDriver(file);
}

function isReferenceDriver(file: string): boolean {
  return /^src\/conformance\/[^/]+\/reference\.ts$/.test(file);
}

function isDriver(file: string): boolean {
  return isReferenceDriver(file) || buildsOnReference(file) || file === EXAMPLE_DRIVER;
}

const isLeafContract = (file: string): boolean => file.startsWith('src/contracts/');

function describeEdge(edge: ImportEdge, why: string): string {
  return `${edge.from}:${edge.line} imports '${edge.specifier}'${edge.isPackage ? '' : ` (${edge.to})`}: ${why}`;
}

interface BoundaryRule {
  readonly name: string;
  /** The edges that break the rule, described. */
  violations(edges: readonly ImportEdge[]): string[];
}

const RULES: readonly BoundaryRule[] = [
  {
    name: 'a driver imports only the contracts, the driver kit, its class\'s interface and (a faulty or conforming driver) its class\'s reference driver',
    violations: (edges) => edges.filter((e) => isDriver(e.from)).flatMap((e) => {
      const own = classOf(e.from);
      const allowed = !e.isPackage && (isLeafContract(e.to) || e.to === CONTRACT || e.to === DRIVER_KIT
        || (own !== null && e.to === `src/conformance/${own}/interface.ts`)
        || (own !== null && buildsOnReference(e.from) && e.to === `src/conformance/${own}/reference.ts`));
      return allowed ? [] : [describeEdge(e, 'a driver reaches the kernel through the contract (re-export what it needs from contract.ts)')];
    }),
  },
  {
    name: 'the driver kit imports only the contract, the kernel API and the leaf contracts',
    violations: (edges) => edges.filter((e) => e.from === DRIVER_KIT && (e.isPackage || !(e.to === CONTRACT || e.to === KERNEL_API || isLeafContract(e.to))))
      .map((e) => describeEdge(e, 'the kit is built from what a driver may use')),
  },
  {
    name: 'only the loader and the driver finder load a driver module',
    violations: (edges) => edges.filter((e) => !e.isPackage && isDriver(e.to) && e.from !== LOADER && e.from !== FINDER)
      .filter((e) => !(buildsOnReference(e.from) && e.to === `src/conformance/${classOf(e.from)}/reference.ts`))
      .map((e) => describeEdge(e, `load drivers through ${FINDER} (referenceDriverOf, faultyDriverOf) or the loader's loadDriverModule`)),
  },
  {
    name: 'a leaf contract imports nothing',
    violations: (edges) => edges.filter((e) => isLeafContract(e.from)).map((e) => describeEdge(e, 'src/contracts/ holds leaf contracts')),
  },
  {
    name: 'a class\'s interface.ts imports only leaf contracts',
    violations: (edges) => edges.filter((e) => /^src\/conformance\/[^/]+\/interface\.ts$/.test(e.from) && (e.isPackage || !isLeafContract(e.to)))
      .map((e) => describeEdge(e, 'the interface a driver and its applications share depends on nothing else')),
  },
  {
    name: 'a class\'s application.ts imports nothing of another class',
    violations: (edges) => edges.filter((e) => /^src\/conformance\/[^/]+\/application\.ts$/.test(e.from))
      .filter((e) => !e.isPackage && classOf(e.to) !== null && classOf(e.to) !== classOf(e.from))
      .map((e) => describeEdge(e, 'each class\'s application stands alone')),
  },
  {
    name: 'the simulated machine imports nothing of the layers built on it',
    violations: (edges) => edges.filter((e) => !e.isPackage && LOWER_LAYERS.some((l) => e.from.startsWith(l)) && UPPER_LAYERS.some((l) => e.to.startsWith(l)))
      .map((e) => describeEdge(e, `${LOWER_LAYERS.join(', ')} sit below ${UPPER_LAYERS.join(', ')}`)),
  },
  {
    name: 'the sweep does not import the fuzzer\'s workload internals',
    violations: (edges) => edges.filter((e) => e.from.startsWith('src/sweep/') && e.to.startsWith('src/fuzz/workload/'))
      .map((e) => describeEdge(e, 'share it through src/oracles or src/workload instead')),
  },
];

/** Each value of an IOCTL_* export shared by two or more names, with the names (file: name). */
export function sharedIoctlCodes(codesByFile: Readonly<Record<string, Readonly<Record<string, unknown>>>>): string[] {
  const namesByCode = new Map<number, string[]>();
  for (const [file, exports] of Object.entries(codesByFile)) {
    for (const [name, value] of Object.entries(exports)) {
      if (!name.startsWith('IOCTL_') || typeof value !== 'number') continue;
      namesByCode.set(value, [...(namesByCode.get(value) ?? []), `${file}: ${name}`]);
    }
  }
  return [...namesByCode].filter(([, names]) => names.length > 1).map(([code, names]) => `0x${code.toString(16)} is ${names.join(' and ')}`);
}

describe('layout boundaries', () => {
  const graph = projectImportGraph();

  it('reads every kind of import of every source file', () => {
    const has = (from: string, to: string, typeOnly?: boolean) => graph.some((e) => e.from === from && e.to === to && (typeOnly === undefined || e.typeOnly === typeOnly));
    assert.ok(has('src/conformance/read-write-direct/reference.ts', CONTRACT, false), 'a value import of a driver');
    assert.ok(has('src/conformance/read-write-direct/reference.ts', CONTRACT, true), 'a type-only import of a driver');
    assert.ok(has('scripts/mutation-check.cjs', FINDER), 'a require() of a script');
    assert.ok(has('src/personalities/wdm/contract.ts', KERNEL_API, true), 'an export-from');
    const sample = importsOf('src/x.ts', "import a from './a';\nexport * from './b';\nimport c = require('./c');\ntype D = import('./d').D;\nconst e = require('node:fs');\nvoid import('./f');\n");
    assert.deepEqual(sample.map((e) => [e.to, e.line, e.typeOnly, e.isPackage]), [
      ['src/a', 1, false, false], ['src/b', 2, false, false], ['src/c', 3, false, false], ['src/d', 4, true, false], ['node:fs', 5, false, true], ['src/f', 6, false, false],
    ]);
  });

  for (const rule of RULES) {
    it(rule.name, () => {
      const violations = rule.violations(graph);
      assert.ok(violations.length === 0, `${violations.length} import(s) break the rule:\n  ${violations.join('\n  ')}`);
    });
  }

  it('each rule rejects an import that breaks it', () => {
    const edge = (from: string, to: string, isPackage = false): ImportEdge => ({ from, to, specifier: to, line: 1, typeOnly: true, isPackage });
    const breaking = [
      edge('src/conformance/read-write-direct/faulty/x.ts', 'src/kernel/hal/map-registers.ts'),
      edge(DRIVER_KIT, 'src/kernel/io/irp.ts'),
      edge('src/fuzz/live-targets.ts', 'src/conformance/read-write-direct/reference.ts'),
      edge('src/contracts/units.ts', 'src/machine/rng.ts'),
      edge('src/conformance/mapped-file-dma/interface.ts', CONTRACT),
      edge('src/conformance/mapped-file-dma/application.ts', 'src/conformance/shared-buffer-ioctl/interface.ts'),
      edge('src/kernel/io/irp.ts', 'src/personalities/wdm/contract.ts'),
      edge('src/sweep/sweep-run.ts', 'src/fuzz/workload/rule-checks.ts'),
    ];
    const allowed = [
      edge('src/conformance/read-write-direct/faulty/x.ts', 'src/conformance/read-write-direct/reference.ts'),
      edge('src/conformance/read-write-direct/reference.ts', 'src/conformance/read-write-direct/interface.ts'),
      edge(DRIVER_KIT, KERNEL_API),
      edge('src/conformance/mapped-file-dma/application.ts', 'src/conformance/mapped-file-dma/interface.ts'),
      edge('src/workload/workload.ts', 'src/kernel/io/irp.ts'),
    ];
    RULES.forEach((rule, i) => {
      assert.equal(rule.violations([breaking[i]!]).length, 1, `${rule.name}: rejects ${breaking[i]!.from} -> ${breaking[i]!.to}`);
      assert.deepEqual(rule.violations(allowed), [], `${rule.name}: accepts the allowed imports`);
    });
    assert.equal(RULES.length, breaking.length);
  });

  it('IOCTL codes are distinct across classes', () => {
    const codesByFile: Record<string, Record<string, unknown>> = {};
    for (const c of CONFORMANCE_CLASS_NAMES) codesByFile[`src/conformance/${c}/interface.ts`] = require(path.join(ROOT, 'src/conformance', c, 'interface.ts'));
    const codes = Object.values(codesByFile).flatMap((exports) => Object.keys(exports).filter((n) => n.startsWith('IOCTL_')));
    assert.ok(codes.length >= CONFORMANCE_CLASS_NAMES.length - 2, `the IOCTL codes are read from the interfaces (${codes.join(', ')})`);
    assert.deepEqual(sharedIoctlCodes(codesByFile), []);
    assert.deepEqual(sharedIoctlCodes({ a: { IOCTL_A: 0x222000, OTHER: 0x222000 }, b: { IOCTL_B: 0x222000 } }), ['0x222000 is a: IOCTL_A and b: IOCTL_B']);
  });

  it('the class table, the class folders, their feature files and reference drivers match', () => {
    const conformance = path.join(ROOT, 'src/conformance');
    const folders = fs.readdirSync(conformance, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    const problems = [
      ...folders.filter((f) => !(CONFORMANCE_CLASS_NAMES as readonly string[]).includes(f)).map((f) => `src/conformance/${f}/ is not a class of src/conformance/classes.ts`),
      ...CONFORMANCE_CLASS_NAMES.flatMap((c) => [`src/conformance/${c}`, `src/conformance/${c}/reference.ts`, `features/conformance/${c}.feature`]
        .filter((p) => !fs.existsSync(path.join(ROOT, p))).map((p) => `class ${c} lacks ${p}`)),
    ];
    assert.ok(folders.length > 0);
    assert.deepEqual(problems, []);
  });
});
