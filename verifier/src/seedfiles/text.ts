/** Seed-file bytes to text: UTF-8 only (XML 1.0 §4.3.3 default; CSV exports in practice), BOM dropped. */
import { SeedFileError } from './errors.ts';

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Decodes UTF-8, refusing invalid sequences rather than turning them into U+FFFD: a serial or a
 * manufacturer silently mangled would be imported as if it were right.
 */
export function decodeUtf8(input: string | Uint8Array): string {
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    try {
      text = UTF8.decode(input);
    } catch {
      throw new SeedFileError('malformed', 'the seed file is not valid UTF-8 (save it as UTF-8 and try again)');
    }
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
