/**
 * The names under which the report's hook attaches a failed scenario's data
 * (steps/support/hooks.ts), and the media type of the Allure runtime's
 * messages that carry those attachments through cucumber's message stream:
 * one place for the hook that writes them and for every reader (the mutation
 * check, the detection proof, the driver verdict).
 */
/** The findings of a failed scenario, as JSON. */
export const FINDINGS_ATTACHMENT = 'rule findings';
/** The driver's crash, as JSON, when driver code failed with a program error. */
export const CRASH_ATTACHMENT = 'driver crash';
/** The media type of the Allure runtime's messages, which carry the attachments through cucumber's stream. */
export const ALLURE_RUNTIME_MESSAGE = 'application/vnd.allure.message+json';
