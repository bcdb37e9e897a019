/**
 * The registry of detections and their switch: every verifier catalog entry
 * is a detection, every proof names something that exists, switching a
 * detection off is scoped to one detection and undone however the scope ends,
 * and nothing but the proof tool and tests switches one off.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { DETECTIONS, isDetectionId } from '../../src/kernel/detections/detection-registry';
import { detectionEnabled, switchDetectionOff, withDetectionOff } from '../../src/kernel/detections/detection-switch';
import { VIOLATION_CATALOG } from '../../src/kernel/verifier/violation-catalog';
import { bootSmallMachine } from '../mm/machine-fixture';

const ROOT = path.resolve(__dirname, '..', '..');

describe('detection registry', () => {
  it('has a detection for every verifier catalog entry', () => {
    const missing = VIOLATION_CATALOG.map((e) => e.id).filter((id) => !isDetectionId(id));
    assert.deepEqual(missing, []);
  });

  it('names each detection once, and each has a proof', () => {
    const ids = DETECTIONS.map((d) => d.id);
    assert.deepEqual(ids.filter((id, i) => ids.indexOf(id) !== i), []);
    assert.deepEqual(DETECTIONS.filter((d) => d.proofs.length === 0).map((d) => d.id), []);
  });

  it('proves each detection by scenarios and drivers that exist', () => {
    const problems: string[] = [];
    for (const d of DETECTIONS) {
      for (const p of d.proofs) {
        if ('faultyDriver' in p) {
          const file = path.join(ROOT, 'src', 'conformance', p.driverClass, 'faulty', `${p.faultyDriver}.ts`);
          if (!fs.existsSync(file)) problems.push(`${d.id}: no faulty driver ${path.relative(ROOT, file)}`);
          if (p.scenario && !featureText(path.join(ROOT, 'features', 'conformance')).includes(`Scenario: ${p.scenario}\n`)) problems.push(`${d.id}: no conformance scenario "${p.scenario}"`);
        } else {
          const at = path.join(ROOT, p.feature);
          if (!fs.existsSync(at)) problems.push(`${d.id}: no feature path ${p.feature}`);
          else if ('scenario' in p && !featureText(at).includes(`Scenario: ${p.scenario}\n`)) problems.push(`${d.id}: no scenario "${p.scenario}" in ${p.feature}`);
          else if ('tags' in p && !p.tags.split(/\s+/).filter((t) => t.startsWith('@')).every((t) => featureText(at).includes(t))) problems.push(`${d.id}: no scenario under ${p.feature} has ${p.tags}`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });
});

describe('detection switch', () => {
  it('switches one detection off inside the scope only', () => {
    assert.equal(detectionEnabled('VER-SG-DOUBLE-PUT'), true);
    withDetectionOff('VER-SG-DOUBLE-PUT', () => {
      assert.equal(detectionEnabled('VER-SG-DOUBLE-PUT'), false);
      assert.equal(detectionEnabled('VER-COMMON-BUFFER-DOUBLE-FREE'), true);
    });
    assert.equal(detectionEnabled('VER-SG-DOUBLE-PUT'), true);
  });

  it('switches it back on when the scope throws', () => {
    assert.throws(() => withDetectionOff('STOP-ORACLE', () => {
      throw new Error('the body failed');
    }), /the body failed/);
    assert.equal(detectionEnabled('STOP-ORACLE'), true);
  });

  it('refuses a second detection while one is off, so a proof is about one', () => {
    const restore = switchDetectionOff('STOP-ORACLE');
    try {
      assert.throws(() => switchDetectionOff('VERIFIER-ORACLE'), /already switched off/);
    } finally {
      restore();
    }
    assert.equal(detectionEnabled('STOP-ORACLE'), true);
    assert.equal(detectionEnabled('VERIFIER-ORACLE'), true);
  });

  it('silences a verifier catalog entry where the verifier records findings', () => {
    const machine = bootSmallMachine({ verifierMode: 'record' });
    withDetectionOff('VER-SG-DOUBLE-PUT', () => machine.verifier.report('VER-SG-DOUBLE-PUT', 1, 2, 0, 'a list put back twice'));
    assert.equal(machine.verifier.findings.length, 0);
    machine.verifier.report('VER-SG-DOUBLE-PUT', 1, 2, 0, 'a list put back twice');
    assert.deepEqual(machine.verifier.findings.map((f) => f.id), ['VER-SG-DOUBLE-PUT']);
  });

  it('is switched off by nothing but the detection proof and tests', () => {
    const switchFile = path.join('src', 'kernel', 'detections', 'detection-switch.ts');
    const offenders = ['src', 'steps', 'scripts', 'bench']
      .flatMap((dir) => filesUnder(path.join(ROOT, dir)))
      .map((file) => path.relative(ROOT, file))
      .filter((file) => file !== switchFile && file !== path.join('scripts', 'detection-proof.cjs'))
      .filter((file) => /\b(switchDetectionOff|withDetectionOff)\b/.test(fs.readFileSync(path.join(ROOT, file), 'utf8')));
    assert.deepEqual(offenders, []);
  });
});

const texts = new Map<string, string>();

/** The text of a feature file, or of every feature file under a folder. */
function featureText(at: string): string {
  let text = texts.get(at);
  if (text === undefined) {
    const files = fs.statSync(at).isDirectory() ? filesUnder(at).filter((f) => f.endsWith('.feature')) : [at];
    text = files.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
    texts.set(at, text);
  }
  return text;
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : e.isFile() ? [path.join(dir, e.name)] : []));
}
