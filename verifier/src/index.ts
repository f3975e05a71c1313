/**
 * @hwtotp/verifier: the token registry with two-code enrollment, sign-in check, resync, lockout
 * and audit (see verifier/README.md). Seed files, serial numbers, provisioning and HTTP live in
 * their own subfolders.
 */
export { openStore, openVerifier, openVerifierWithStore, resolvePoolSize, resolveSettings, Verifier } from './verifier.ts';
export { VerifierError, isVerifierError, HTTP_STATUS } from './errors.ts';
export type { VerifierErrorName, VerifierErrorDetails } from './errors.ts';
export type {
  AuditAction, AuditFilter, AuditRow, ExportedToken, NewToken, TokenInfo, TokenListEntry, TokenOrigin, TokenState,
  VerifierOptions,
} from './types.ts';
export type { EnableResult } from './enroll.ts';
export type { CheckResult } from './signin.ts';
export type { ResyncResult } from './resync.ts';
export type { FindOptions, FindResult } from './find.ts';
export type { Settings } from './context.ts';
export { DEFAULT_SETTINGS } from './context.ts';
export type { TokenStore, TokenRow, TokenPatch, Guard, AuditEntry, StoredAudit, DamagedRow } from './store.ts';
export { isDamaged } from './store.ts';
export { SqliteStore } from './sqlite-store.ts';
export { PgStore, isPostgresUrl, redactUrl } from './pg-store.ts';
export { copyRegistry, migrateRegistry } from './migrate-registry.ts';
export type { MigrateResult } from './migrate-registry.ts';
export { MASTER_KEY_ENV, parseMasterKey } from './master-key.ts';
export { hotpGenerator } from './fast-hotp.ts';
export type { HotpGenerator } from './fast-hotp.ts';
export * from './serial/index.ts';
export * from './provision/index.ts';
export { verifyTotp } from './verify.ts';
export type { VerifyOptions } from './verify.ts';
export { findConsecutive, matchSteps } from './otp-window.ts';
export { PG_MIGRATIONS } from './pg-migrations.ts';
