/**
 * @hwtotp/protocol: what the token and the verifier must agree on bit for bit.
 * Pure TypeScript with no Node or DOM APIs and no dependencies: it is compiled into the firmware.
 * Host-only conveniences that pull in libraries live in ./host.ts.
 */
export * from './hash';
export * from './bytes';
export * from './hmac';
export * from './hotp';
export * from './totp';
export * from './kcv';
export * from './crc32';
export * from './frame';
export * from './messages';
export * from './lex';
export * from './params';
export * from './boards';
export * from './reply';
