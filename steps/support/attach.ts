/**
 * Attachments to the running scenario's Allure result. Call them from steps
 * or hooks; outside a scenario the Allure runtime drops them.
 *
 * The pictures are drawn by src/report/; these functions gather what a
 * picture needs from the scenario (its machine, its named buffers and MDLs).
 * hooks.ts attaches the bug check screen, the verifier findings and the
 * memory map by itself; a step that builds a scatter/gather list may call
 * `attachScatterGatherPicture` to show it.
 */
import { ContentType, attachment } from 'allure-js-commons';
import type { SCATTER_GATHER_LIST } from '../../src/kernel/hal/scatter-gather-list';
import type { DmaVerifier, VerifierFinding } from '../../src/kernel/verifier/dma-verifier';
import { BugCheck } from '../../src/machine/bug-check';
import { bugCheckPicture } from '../../src/report/bug-check-picture';
import { MemoryMapHighlight, memoryMapPicture } from '../../src/report/memory-map-picture';
import { ScatterGatherPictureOptions, scatterGatherPicture } from '../../src/report/scatter-gather-picture';
import { FindingCard, verifierFindingPicture } from '../../src/report/verifier-finding-picture';
import { ScenarioBuffer, framesNow, objects } from './scenario-objects';
import { ConformanceWorld } from './world';

export async function attachText(name: string, text: string): Promise<void> {
  await attachment(name, text, { contentType: ContentType.TEXT, fileExtension: 'txt' });
}

/** An SVG picture given as its markup. */
export async function attachPicture(name: string, svg: string): Promise<void> {
  await attachment(name, svg, { contentType: ContentType.SVG, fileExtension: 'svg' });
}

export async function attachJson(name: string, value: unknown): Promise<void> {
  await attachment(name, JSON.stringify(value, null, 2), { contentType: ContentType.JSON, fileExtension: 'json' });
}

export async function attachBugCheckScreen(stop: BugCheck): Promise<void> {
  await attachPicture(`bug check ${stop.stopName}`, bugCheckPicture(stop));
}

export async function attachVerifierFinding(card: FindingCard): Promise<void> {
  await attachPicture(`verifier finding ${card.id}`, verifierFindingPicture(card));
}

/** The frames of a buffer's pages as the machine has them now, or as last seen when its address space is gone. */
function framesOf(world: ConformanceWorld, buffer: ScenarioBuffer): number[] {
  try {
    return framesNow(world.machine, buffer);
  } catch {
    return [...buffer.framesSeen];
  }
}

/** Every named buffer and MDL of the scenario, as outlines on the memory map. */
export function scenarioHighlights(world: ConformanceWorld): MemoryMapHighlight[] {
  const registry = objects(world);
  return [
    ...registry.buffers.values().map((b) => ({ label: `buffer "${b.name}"`, frames: framesOf(world, b) })),
    ...registry.mdls.values().map((m) => ({ label: `MDL "${m.name}"`, frames: [...m.mdl.PfnArray] })),
  ];
}

/** The scenario machine's physical memory now, with its named buffers and MDLs outlined. Nothing when no step booted a machine. */
export async function attachMemoryMap(world: ConformanceWorld, caption?: string): Promise<void> {
  if (!world.hasBooted) return;
  const picture = memoryMapPicture(world.machine.physical, { highlights: scenarioHighlights(world), ...(caption ? { caption } : {}) });
  await attachPicture('physical memory map', picture);
}

/**
 * A scatter/gather list drawn over the buffer it describes. `buffer` is a
 * named buffer of the scenario (or its name); the frames of its pages are read
 * from the scenario's machine.
 */
export async function attachScatterGatherPicture(
  world: ConformanceWorld,
  list: SCATTER_GATHER_LIST,
  buffer: ScenarioBuffer | string,
  options: ScatterGatherPictureOptions = {},
): Promise<void> {
  const named = typeof buffer === 'string' ? objects(world).buffers.get(buffer) : buffer;
  const picture = scatterGatherPicture(list, { name: named.name, va: named.va, length: named.length, frames: framesOf(world, named) }, options);
  await attachPicture(`scatter/gather list over buffer "${named.name}"`, picture);
}

// --- verifier findings ---------------------------------------------------------

const verifiersByWorld = new WeakMap<object, DmaVerifier[]>();

/**
 * Also show this verifier's findings when the scenario fails. The verifier
 * of the scenario's machine (machine.verifier) is always shown; a step that
 * builds a DMA verifier of its own calls this once.
 */
export function reportVerifierFindings(world: object, verifier: DmaVerifier): void {
  const list = verifiersByWorld.get(world) ?? [];
  if (!list.includes(verifier)) list.push(verifier);
  verifiersByWorld.set(world, list);
}

/** The findings of the scenario machine's verifier and of every verifier reported, in the order they were made. */
export function recordedFindings(world: ConformanceWorld): { finding: VerifierFinding; verifier: DmaVerifier }[] {
  const verifiers = [...(world.hasBooted ? [world.machine.verifier] : []), ...(verifiersByWorld.get(world) ?? [])];
  return [...new Set(verifiers)].flatMap((verifier) => verifier.findings.map((finding) => ({ finding, verifier })));
}
