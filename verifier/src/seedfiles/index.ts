/**
 * Seed files: RFC 6030 PSKC (plain, pre-shared key, password) and CSV, read into and written from
 * one normalised record type. Pure functions over strings and bytes; the registry side is
 * checkImport (what may enter) plus the verifier's importTokens/exportTokens. See ./README.md.
 */
export { SeedFileError } from './errors.ts';
export type { SeedFileReason } from './errors.ts';
export type { SeedRecord } from './record.ts';
export { readPskc, type PskcReadOptions, type PskcDocument } from './pskc-read.ts';
export { writePskc, DEFAULT_PBKDF2_ITERATIONS, type PskcWriteOptions } from './pskc-write.ts';
export { readCsv, writeCsv, CSV_COLUMNS } from './csv.ts';
export { readSeedFile, detectFormat, type SeedFile, type SeedFileOptions, type SeedFormat } from './detect.ts';
export { checkImport, MIN_SECRET_BYTES, MAX_SECRET_BYTES, type ImportPlan, type ImportCheckOptions } from './import-check.ts';
export { DEFAULT_MAX_BYTES } from './xml.ts';
export { parsePskHex } from './psk-text.ts';
export { recordToToken, tokenToRecord } from './registry-map.ts';
export { MAX_PBKDF2_ITERATIONS } from './pskc-keys.ts';
