/**
 * @hwtotp/device: the token firmware's core, for hosts that run it outside a board (tests, tools).
 * Boards do not import this file: each board file under ./boards is its own bundle entry.
 */
export type { Hal, HalLink, HalStorage, TimerId } from './hal.ts';
export { startToken, DISPLAY_MS, PRESENCE_MS, HOLD_MS } from './core/token.ts';
export { SLOTS, decodeRecord, encodeRecord, loadRecord } from './core/record.ts';
export type { TokenRecord } from './core/record.ts';
export { CLOCK_NOT_SET, NOT_PROVISIONED, PRESS_TO_CONFIRM, groupCode } from './core/screens.ts';
export { FW_VERSION } from './core/version.ts';
