/** The serial client: transport, wire-protocol client, errors. */
export * from './errors.ts';
export * from './transport.ts';
export * from './hello.ts';
export * from './client.ts';
export { openSerialTransport, checkBaud } from './serialport-transport.ts';
