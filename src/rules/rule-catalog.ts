/**
 * The rule catalog: every rule the suite checks, by ID, with its family, a
 * title, what it says and the source documents (seeds, by number) it comes
 * from. Which conformance classes check a rule is read from the features'
 * tags (feature-rule-tags.ts), where it is decided, so a new class names
 * itself only in the class table and its feature. Features tag their
 * scenarios with these IDs (`@rule:PAGE-1`), findings and diagnoses name
 * them, faulty drivers declare one, and docs/RULES.md is generated from this
 * table (src/rules/rules-document.ts), so an ID that is not here does not
 * compile, is refused by the step checker and the loader, and is not
 * documented.
 *
 * A leaf: it imports nothing from the simulator, so the loader, the tag
 * checks and the report can all read it. The DMA verifier's catalog entries
 * (VER-..., src/kernel/verifier/violation-catalog.ts) each name the rule of
 * this table they belong to; src/rules/rule-ref.ts joins the two.
 *
 * Status words: a rule is *enforced* when the simulated machine detects its
 * violation by itself (a bug check, an error status, a verifier finding), and
 * *checked* when the suite detects it by observing the driver (corrupt data,
 * a leak, a missing completion).
 */

export const RULE_FAMILIES = {
  PAGE: { title: 'Paging and locking', sources: ['000', '002', '003'] },
  MDL: { title: 'MDLs', sources: ['003'] },
  SG: { title: 'Scatter/gather and adapters', sources: ['001', '003'] },
  CONT: { title: 'Contiguous and common buffers', sources: ['000', '002', '003'] },
  DEV: { title: 'Devices and transfers', sources: ['000', '002'] },
  VER: { title: 'Verifier catalog', sources: [] },
} as const satisfies Record<string, { readonly title: string; readonly sources: readonly string[] }>;

export type RuleFamily = keyof typeof RULE_FAMILIES;

export const RULE_FAMILY_NAMES = Object.keys(RULE_FAMILIES) as RuleFamily[];

export interface RuleEntry {
  readonly family: RuleFamily;
  /** A few words: the epic's story and the heading in docs/RULES.md. */
  readonly title: string;
  /** What the rule requires, in the project's words. */
  readonly statement: string;
  /** The seed documents the rule comes from, by number; empty for rules from public references only. */
  readonly sources: readonly string[];
}

const TABLE = {
  'PAGE-1': {
    family: 'PAGE',
    title: 'DMA memory stays resident',
    statement:
      'Application memory can be paged out. A buffer a device reads or writes by DMA stays resident for the whole transfer: either locked through an MDL (probe and lock) or allocated non-paged (non-paged pool, contiguous memory, a common buffer). A device access to a frame that is neither locked nor non-paged is a violation, since the frame may by then belong to someone else.',
    sources: ['000', '002', '003'],
  },
  'PAGE-2': {
    family: 'PAGE',
    title: 'A larger working set is no lock',
    statement: 'Raising a process\'s working-set size only asks the memory manager to keep pages; under memory pressure they can still be trimmed and written to the paging file.',
    sources: ['000'],
  },
  'PAGE-3': {
    family: 'PAGE',
    title: 'Probe and lock can fail',
    statement:
      'Probing and locking a buffer fails for an invalid address, a mismatched access mode, a kernel address probed for a user request, a page-in I/O error or an exhausted quota. The failure is raised as an exception the caller catches, and nothing is left locked by a failed probe.',
    sources: ['000', '003'],
  },
  'PAGE-4': {
    family: 'PAGE',
    title: 'Mapped file views are read in and flushed out',
    statement: 'Locking a non-resident page of a mapped file view reads the page from the file first; once a device has written into a locked view, flushing the view carries the data to the file.',
    sources: ['000'],
  },
  'PAGE-5': {
    family: 'PAGE',
    title: 'Every lock is undone exactly once',
    statement:
      'Each lock is released once: unlock the pages, then free the MDL. A process may not exit with pages still locked for I/O (Windows stops with 0x76 or 0xCB), and closing a handle completes or cancels the I/O that holds locks.',
    sources: ['000', '002', '003'],
  },
  'PAGE-6': {
    family: 'PAGE',
    title: 'Long-lived buffers are locked once',
    statement: 'Locking and unlocking on every request costs CPU time in proportion to the pages; a driver that keeps long-lived buffers locked and builds their scatter/gather list once pays that cost once.',
    sources: ['000'],
  },
  'PAGE-7': {
    family: 'PAGE',
    title: 'Non-paged MDLs only for non-paged memory',
    statement: 'Building an MDL without a probe (for non-paged memory) is correct only when the memory really is non-paged; doing it for pageable memory is a violation.',
    sources: ['002', '003'],
  },
  'MDL-1': {
    family: 'MDL',
    title: 'An MDL lists a buffer\'s pages',
    statement: 'An MDL describes a buffer by the numbers of its physical pages. One MDL covers a bounded length, and allocating one can fail.',
    sources: ['003'],
  },
  'MDL-2': {
    family: 'MDL',
    title: 'Partial MDLs go before their parent',
    statement: 'A partial MDL built over a parent MDL is freed before the parent is unlocked or freed; the other order corrupts the page-frame database (bug check 0x4E PFN_LIST_CORRUPT).',
    sources: ['003'],
  },
  'MDL-3': {
    family: 'MDL',
    title: 'System mappings use system PTEs and can fail',
    statement:
      'Mapping an MDL into system address space, so that any context (an interrupt service routine included) can use it, takes system page-table entries and fails when they run out; the safe form of the call returns the failure instead of stopping the machine.',
    sources: ['003'],
  },
  'MDL-4': {
    family: 'MDL',
    title: 'Direct I/O MDLs belong to the I/O manager',
    statement: 'For a direct-I/O device the I/O manager builds and locks the MDL of the application\'s buffer itself, and unlocks it when the request completes.',
    sources: ['003'],
  },
  'MDL-5': {
    family: 'MDL',
    title: 'Chained MDLs make one transfer',
    statement: 'A chain of MDLs describes a single transfer made of several buffers.',
    sources: ['003'],
  },
  'SG-1': {
    family: 'SG',
    title: 'Mappings start from the device\'s adapter',
    statement:
      'Every DMA mapping goes through a DMA adapter obtained for the device. The adapter\'s description (32- or 64-bit addressing, scatter/gather support, maximum transfer length) sets how many map registers it has.',
    sources: ['001', '003'],
  },
  'SG-2': {
    family: 'SG',
    title: 'The adapter channel serves one request at a time',
    statement: 'The older path (allocate the adapter channel, map one element per call, flush) lets only one request hold the channel at a time.',
    sources: ['001', '003'],
  },
  'SG-3': {
    family: 'SG',
    title: 'Scatter/gather lists are put back exactly once',
    statement: 'Getting a scatter/gather list allocates memory and can fail for lack of resources; every list obtained is put back once and only once.',
    sources: ['001', '003'],
  },
  'SG-4': {
    family: 'SG',
    title: 'Calculate the size, then build into it',
    statement:
      'Calculating the scatter/gather list size for a buffer (start, length, optional MDL chain) gives the size that building the list into a caller\'s buffer needs. Building into a smaller buffer fails as too small, and building allocates nothing.',
    sources: ['001'],
  },
  'SG-5': {
    family: 'SG',
    title: 'Forward progress from a reserve',
    statement:
      'A driver on a path that must not fail (paging, storage) preallocates what at least one request needs. When ordinary allocation fails it uses the reserve; while the reserve is busy it queues requests and starts them as the reserve comes back. No request fails for lack of resources and every request completes.',
    sources: ['001'],
  },
  'SG-6': {
    family: 'SG',
    title: 'Bounce buffers for 32-bit devices',
    statement: 'A device limited to 32-bit addresses gets map registers (bounce buffers) for pages above 4 GiB; the data is copied between them at flush time.',
    sources: ['001', '003'],
  },
  'SG-7': {
    family: 'SG',
    title: 'Elements in transfer order',
    statement: 'A scatter/gather list is a sequence of (device address, length) elements in the order of the transfer, and their lengths add up to the transfer\'s length.',
    sources: ['001', '003'],
  },
  'CONT-1': {
    family: 'CONT',
    title: 'A common buffer is contiguous both ways',
    statement: 'A common buffer is contiguous in virtual and in device address space, and its device-visible start address comes back with it.',
    sources: ['000', '002', '003'],
  },
  'CONT-2': {
    family: 'CONT',
    title: 'Contiguous memory fragments',
    statement: 'Physically contiguous memory fragments as the machine runs: a size that can be allocated at boot may fail later even with enough memory free.',
    sources: ['000', '002', '003'],
  },
  'CONT-3': {
    family: 'CONT',
    title: 'Contiguous buffers preallocated at boot',
    statement:
      'Contiguous DMA buffers can be set aside at boot from the device\'s installation settings, at most 256 for each direction; the first requests whose size and option flags match the settings get them.',
    sources: ['002', '003'],
  },
  'CONT-4': {
    family: 'CONT',
    title: 'Non-paged pool is bounded',
    statement: 'Non-paged pool has a size fixed at boot; allocations past it fail.',
    sources: ['000', '002', '003'],
  },
  'CONT-5': {
    family: 'CONT',
    title: 'Large buffers need page-table entries',
    statement: 'A very large buffer can fail for want of page-table entries while memory is free; the documented remedy is to try again with a smaller size.',
    sources: ['002'],
  },
  'CONT-6': {
    family: 'CONT',
    title: 'Mapping into a process needs its address space',
    statement: 'Mapping a DMA buffer into a user process also needs free virtual address space in that process.',
    sources: ['000', '002', '003'],
  },
  'CONT-7': {
    family: 'CONT',
    title: 'DMA buffers are non-cached by default',
    statement: 'DMA buffers are not cached unless an option allows caching, and the CPU reaches non-cached buffers more slowly.',
    sources: ['002', '003'],
  },
  'DEV-1': {
    family: 'DEV',
    title: 'Bus mastering and device addresses',
    statement: 'A device masters the bus only when bus mastering is enabled in its PCI command register, and it is programmed with device-visible addresses, lengths and a start command.',
    sources: ['000', '002'],
  },
  'DEV-2': {
    family: 'DEV',
    title: 'A transaction is made of transfers',
    statement: 'A DMA transaction (one application request) consists of one or more DMA transfers, none longer than the device\'s maximum transfer length.',
    sources: ['002'],
  },
  'DEV-3': {
    family: 'DEV',
    title: 'Completion by interrupt or polling',
    statement:
      'The end of a transfer is signalled by an interrupt or found by polling. For large data the transfer types rank: blocking block transfer, then non-blocking single access, then DMA with interrupts, then DMA with polling.',
    sources: ['000', '002'],
  },
  'DEV-4': {
    family: 'DEV',
    title: 'Register access costs',
    statement: 'Memory-mapped register ranges are faster than I/O ports; block and grouped transfers beat single accesses; misaligned string transfers are split into smaller accesses.',
    sources: ['002'],
  },
  'DEV-5': {
    family: 'DEV',
    title: 'FIFO and memory-block transfers',
    statement: 'A FIFO (non-incrementing) transfer moves every element to or from one device address; a memory-block transfer advances both addresses.',
    sources: ['002'],
  },
  'DEV-6': {
    family: 'DEV',
    title: 'Peer-to-peer transfers',
    statement: 'One device can master a transfer straight into another device\'s memory-mapped range (at least one of them bus-master capable), and nothing passes through host memory.',
    sources: ['002'],
  },
  'DEV-7': {
    family: 'DEV',
    title: 'GPU-direct needs GPU memory',
    statement: 'A GPU-direct DMA buffer is GPU memory from the GPU allocator; host memory passed with the GPU-direct option fails with an internal system error (status 0x20000007 in the seed).',
    sources: ['002'],
  },
  'DEV-8': {
    family: 'DEV',
    title: 'The large-buffer option',
    statement: 'Locking a scatter/gather buffer of more than 1 MiB through the low-level call needs the large-buffer option; the high-level call sets it by itself.',
    sources: ['002'],
  },
  'VER-*': {
    family: 'VER',
    title: 'The DMA verifier\'s own checks',
    statement:
      'The checks of the DMA verifier that no rule above covers: freeing common buffers, adapter channels, map registers or scatter/gather lists twice; releasing an adapter with any of them outstanding; unmapping or syncing with another size, direction or list than the mapping; DMA to memory that is not DMA-able; leaks at driver unload; DMA outside the buffers mapped for the device. Each is an entry of the verifier catalog (docs/verifier-catalog.md) with the code it reports, and a scenario that checks one is tagged with the entry\'s ID.',
    sources: [],
  },
} as const satisfies Record<string, RuleEntry>;

/** A rule of the catalog, e.g. 'PAGE-1'. */
export type RuleId = keyof typeof TABLE;

export const RULE_CATALOG: Readonly<Record<RuleId, RuleEntry>> = TABLE;

export const RULE_IDS = Object.keys(TABLE) as RuleId[];

export function isRuleId(value: unknown): value is RuleId {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(TABLE, value);
}

export function ruleEntry(id: RuleId): RuleEntry {
  return TABLE[id];
}

export function isRuleFamily(value: unknown): value is RuleFamily {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(RULE_FAMILIES, value);
}

/** The family part of an ID ("PAGE" of "PAGE-1", "VER" of "VER-SG-DOUBLE-PUT"), or null when it has none. */
export function familyOfId(id: string): RuleFamily | null {
  const family = /^([A-Z]+)-/.exec(id)?.[1];
  return isRuleFamily(family) ? family : null;
}

/** "PAGE: Paging and locking": the family as the report's epic. */
export function familyTitle(family: RuleFamily): string {
  return `${family}: ${RULE_FAMILIES[family].title}`;
}

/** The rules of a family, in catalog order. */
export function rulesOfFamily(family: RuleFamily): RuleId[] {
  return RULE_IDS.filter((id) => TABLE[id].family === family);
}
