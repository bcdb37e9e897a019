/**
 * How the user runs a command of the suite, for the commands it prints (a
 * replay, "run it again", the report): `npx dma-conformance fuzz` when they
 * came through the installed command (its entry sets DMA_CONFORMANCE_CLI),
 * `npm run fuzz --` inside the suite's checkout.
 */
export type SuiteCommand = 'conformance' | 'fuzz' | 'sweep' | 'report';

/** The environment variable the installed command's entry sets to how it was invoked. */
export const CLI_ENVIRONMENT = 'DMA_CONFORMANCE_CLI';

/** The words that start the command, options to follow ("npm run fuzz --", "npx dma-conformance fuzz"). */
export function suiteCommand(name: SuiteCommand, env: Readonly<Record<string, string | undefined>> = process.env): string[] {
  const cli = env[CLI_ENVIRONMENT];
  if (cli) return [...cli.split(' '), name === 'conformance' ? 'run' : name];
  return ['npm', 'run', name, '--'];
}
