/**
 * The text of a stop screen for a bug check, laid out like the Windows one:
 * the stop name, the code with its four parameters, and why the simulated
 * machine stopped.
 */
import { BugCheck } from '../../src/machine/bug-check';

function hexWord(n: number, digits: number): string {
  return '0x' + n.toString(16).toUpperCase().padStart(digits, '0');
}

export function bugCheckScreen(stop: BugCheck): string {
  const parameters = stop.parameters.map((p) => hexWord(p, 16)).join(', ');
  return [
    'The simulated machine has stopped to prevent damage.',
    '',
    stop.stopName,
    '',
    'Technical information:',
    '',
    `*** STOP: ${hexWord(stop.code, 8)} (${parameters})`,
    '',
    `Reason: ${stop.reason}`,
    '',
  ].join('\n');
}
