/** @hwtotp/tools: the CLI entry point, for in-process use by tests. */
export { main, commandNames, loadCommand } from './cli.ts';
export { startSimulator } from './sim/index.ts';
export type { Simulator, SimulatorOptions } from './sim/index.ts';
