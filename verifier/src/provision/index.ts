/** Provisioning: the two-phase flow, serial numbers with a check character, batch mode. */
export * from './errors.ts';
export * from './serial-number.ts';
export * from './provision.ts';
export * from './watch.ts';
export * from './batch.ts';
