/** @hwtotp/tools: the CLI entry point, for in-process use by tests. */
export { main } from './cli.ts';
