/**
 * The Allure categories: how failures are sorted in the report's Categories
 * tab. Product failures (the driver or the simulated kernel broke a rule)
 * come first, then test defects (the suite itself is wrong or incomplete).
 *
 * Allure matches messageRegex against the whole failure message, which starts
 * with the error's name ("BugCheck: bug check 0x4E ..."). A result may fall
 * into several categories, so the catch-alls exclude what the others claim.
 */

/** @param {Readonly<Record<number, string>>} bugCheckNames code -> stop name */
function reportCategories(bugCheckNames) {
  const hex = (code) => '0x' + code.toString(16).toUpperCase();
  const bugChecks = Object.entries(bugCheckNames)
    .map(([code, name]) => [Number(code), name])
    .sort((a, b) => a[0] - b[0])
    .map(([code, name]) => ({
      name: `Product failure: bug check ${hex(code)} ${name}`,
      matchedStatuses: ['failed', 'broken'],
      messageRegex: `(?s)BugCheck: bug check ${hex(code)} .*`,
    }));
  return [
    ...bugChecks,
    {
      name: 'Product failure: bug check with an unknown code',
      matchedStatuses: ['failed', 'broken'],
      messageRegex: '(?s)BugCheck: bug check 0x[0-9A-F]+ UNKNOWN_BUGCHECK .*',
    },
    {
      name: 'Product failure: verifier finding DRIVER_VERIFIER_DMA_VIOLATION',
      matchedStatuses: ['failed', 'broken'],
      messageRegex: '(?s)(?!BugCheck: ).*DRIVER_VERIFIER_DMA_VIOLATION.*',
    },
    {
      name: 'Product failure: rule broken (an assertion failed)',
      matchedStatuses: ['failed'],
      messageRegex: '(?s)(?!BugCheck: )(?!.*DRIVER_VERIFIER_DMA_VIOLATION).*',
    },
    {
      // Worded by scripts/allure-formatter.cjs; the second form is allure-cucumberjs's own.
      name: 'Test defect: undefined or ambiguous step',
      matchedStatuses: ['passed', 'failed', 'broken', 'skipped', 'unknown'],
      messageRegex: "(?s)(?:(?:undefined|ambiguous) step: .*|.*doesn't have an implementation.*)",
    },
    {
      name: 'Test defect: malformed size or number in a step',
      matchedStatuses: ['failed', 'broken'],
      messageRegex: '(?s)(?:MalformedSize|MalformedNumber): .*',
    },
    {
      name: 'Test defect: broken (an error in the suite or the simulator, not a verdict on the driver)',
      matchedStatuses: ['broken'],
      messageRegex: "(?s)(?!BugCheck: |(?:undefined|ambiguous) step: |MalformedSize: |MalformedNumber: )(?!.*(?:DRIVER_VERIFIER_DMA_VIOLATION|doesn't have an implementation)).*",
    },
  ];
}

module.exports = { reportCategories };
