/**
 * @hwtotp/protocol: what the token and the verifier must agree on bit for bit.
 * Pure TypeScript with no Node or DOM APIs and no dependencies: it is compiled into the firmware.
 * Host-only conveniences that pull in libraries live in ./host.ts.
 */
export * from './hash.ts';
export * from './bytes.ts';
export * from './hmac.ts';
export * from './hotp.ts';
export * from './totp.ts';
export * from './kcv.ts';
export * from './crc32.ts';
export * from './frame.ts';
export * from './messages.ts';
export * from './lex.ts';
export * from './params.ts';
export * from './boards.ts';
export * from './reply.ts';
