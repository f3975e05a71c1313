/**
 * Request validation with zod: each body and query has a strict schema, and a refusal names the
 * field and says what it must be ("code1: must be 6 to 8 digits, as a string"). Codes are strings,
 * never JSON numbers, because a number loses a code's leading zeros.
 */
import { z } from 'zod';
import { LIMITS, SERIAL_PATTERN } from '@hwtotp/protocol';
import { HttpError } from './errors.ts';
import { MAX_NAME_LENGTH, textProblem } from '../validate.ts';

/** Names follow the verifier's one rule (validate.ts): well-formed Unicode, no control characters. */
const NAME_TEXT = { test: (s: string) => textProblem(s) === undefined };
const { min: MIN_DIGITS, max: MAX_DIGITS } = LIMITS.digits;
// Derived from the token parameters' digit limits, not restated.
const CODE = new RegExp(`^\\d{${MIN_DIGITS},${MAX_DIGITS}}$`);

function text(what: string, max: number, pattern: { test(s: string): boolean }, patternMessage: string) {
  return z
    .string({ error: (i) => (i.input === undefined ? 'is required' : `must be a string, got ${typeOf(i.input)}`) })
    .min(1, `must not be empty`)
    .max(max, `must be at most ${max} characters`)
    .refine((s) => pattern.test(s), patternMessage)
    .describe(what);
}

function typeOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

const NAME_MESSAGE = 'must be well-formed Unicode without control characters';
// NFC here too, so the per-user rate limit sees one user however the name was spelled.
const user = text('user name', MAX_NAME_LENGTH, NAME_TEXT, NAME_MESSAGE).transform((s) => s.normalize('NFC'));
const deviceName = text('device name', MAX_NAME_LENGTH, NAME_TEXT, NAME_MESSAGE).transform((s) => s.normalize('NFC'));
const serial = text('serial number', 64, SERIAL_PATTERN, 'must be 9-64 characters of A-Z a-z 0-9 + = / : , . @ -');
const code = text('code', MAX_DIGITS, CODE, `must be ${MIN_DIGITS} to ${MAX_DIGITS} digits`);

export const EnableBody = z.strictObject({ user, deviceName, serial, code1: code, code2: code });
export const CheckBody = z.strictObject({ user, code });
export const ResyncBody = z.strictObject({ user, serial, code1: code, code2: code });
export const FindBody = z.strictObject({ code1: code, code2: code, wide: z.boolean().optional() });
export const DeactivateBody = z.strictObject({ user, serial });
export const DevicesQuery = z.strictObject({ user: user.optional() });
export const AuditQuery = z.strictObject({
  serial: serial.optional(),
  user: user.optional(),
  limit: z.string().regex(/^\d{1,4}$/, 'must be a whole number from 1 to 1000').optional()
    .transform((v) => (v === undefined ? undefined : Number(v)))
    .refine((v) => v === undefined || (v >= 1 && v <= 1000), 'must be a whole number from 1 to 1000'),
});
export const SerialParam = z.strictObject({ serial });

/**
 * Parses `input` with `schema`, or throws a ValidationError naming every field at fault.
 * @param where "body" or "query", used when the whole input is the wrong shape
 */
export function parse<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  if (where === 'body' && (input === null || typeof input !== 'object' || Array.isArray(input))) {
    throw new HttpError('ValidationError', `request body must be a JSON object, got ${input === undefined ? 'nothing' : typeOf(input)}`);
  }
  const r = schema.safeParse(input ?? {});
  if (r.success) return r.data;
  const parts = r.error.issues.map((i) => {
    if (i.code === 'unrecognized_keys') return `unknown ${where} field${i.keys.length > 1 ? 's' : ''} ${i.keys.join(', ')}`;
    const field = i.path.join('.');
    return field ? `${field}: ${i.message}` : i.message;
  });
  throw new HttpError('ValidationError', parts.join('; '));
}
