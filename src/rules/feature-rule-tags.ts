/**
 * The scenarios of the features and the rules they are tagged with, read
 * straight from the Gherkin files (no step definitions needed): what
 * docs/RULES.md counts per rule, and what the catalog's classes are checked
 * against. A scenario outline counts once per example row, as cucumber
 * runs it; tags on the Feature, a Rule block or Examples apply to the
 * scenarios under them.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { generateMessages } from '@cucumber/gherkin';

export interface TaggedScenario {
  /** The feature file, relative to the project root, with forward slashes. */
  readonly uri: string;
  readonly name: string;
  /** The IDs of its @rule: tags, as written. */
  readonly rules: readonly string[];
  /** The names of its @class: tags. */
  readonly classes: readonly string[];
  /** The numbers of its @seed: tags. */
  readonly seeds: readonly string[];
}

export const PROJECT_ROOT = join(__dirname, '..', '..');

function featureFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? featureFiles(join(dir, e.name)) : e.name.endsWith('.feature') ? [join(dir, e.name)] : []))
    .sort();
}

function tagValues(tags: readonly { name: string }[], prefix: string): string[] {
  return [...new Set(tags.filter((t) => t.name.startsWith(prefix)).map((t) => t.name.slice(prefix.length)))];
}

/** The scenarios of one feature's text. */
export function scenariosOfFeature(text: string, uri: string): TaggedScenario[] {
  let next = 0;
  const envelopes = generateMessages(text, uri, 'text/x.cucumber.gherkin+plain' as Parameters<typeof generateMessages>[2], {
    includeGherkinDocument: false,
    includePickles: true,
    includeSource: false,
    newId: () => String(next++),
  });
  return envelopes.flatMap((e) => {
    if (e.parseError) throw new Error(`${uri}: ${e.parseError.message}`);
    if (!e.pickle) return [];
    const tags = e.pickle.tags;
    return [{ uri, name: e.pickle.name, rules: tagValues(tags, '@rule:'), classes: tagValues(tags, '@class:'), seeds: tagValues(tags, '@seed:') }];
  });
}

/** Every scenario of features/ (or of the feature files under `dir`). */
export function taggedScenarios(dir = join(PROJECT_ROOT, 'features')): TaggedScenario[] {
  return featureFiles(dir).flatMap((file) => scenariosOfFeature(readFileSync(file, 'utf8'), relative(PROJECT_ROOT, file).split('\\').join('/')));
}

/** The conformance classes whose scenarios are tagged with the rule or with one of its verifier entries (`ruleOf` maps a tag to its rule), sorted. */
export function classesChecking(rule: string, scenarios: readonly TaggedScenario[], ruleOf: (tag: string) => string | null): string[] {
  return [...new Set(scenarios.filter((s) => s.rules.some((r) => ruleOf(r) === rule)).flatMap((s) => s.classes))].sort();
}
