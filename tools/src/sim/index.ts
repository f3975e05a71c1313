/** The simulated token (tools/README.md): in-process API and its parts. */
export { startSimulator, defaultBundle } from './simulator.ts';
export type { Simulator, SimulatorOptions } from './simulator.ts';
export { boardByName } from './boards.ts';
export type { BoardName, Board } from './boards.ts';
export { MISSING_GLOBALS, MISSING_MEMBERS } from './context.ts';
export { ShimError } from './strict.ts';
export { PowerCut, STATE_FORMAT } from './storage.ts';
export { renderPng } from './png.ts';
