/**
 * The lint rule that keeps the import direction (protocol <- device, protocol <- verifier <- tools):
 * real ESLint with the repository's config, on code placed where it would be refused.
 */
import { ESLint } from 'eslint';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: ROOT });

async function refusals(file: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: join(ROOT, file) });
  return r!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import direction', () => {
  it.each([
    ['verifier/src/x.ts', "import { main } from '@hwtotp/tools';"],
    ['verifier/src/x.ts', "import { x } from '../../tools/src/cli.ts';"],
    ['device/src/core/x.ts', "import { nobleHmac } from '@hwtotp/protocol/host';"],
    ['device/src/core/x.ts', "import { openVerifier } from '@hwtotp/verifier';"],
    ['protocol/src/x.ts', "import { base32Encode } from './host/base32.ts';"],
    ['protocol/src/x.ts', "import { sha1 } from '@noble/hashes/legacy.js';"],
    ['protocol/src/host/x.ts', "import { startToken } from '@hwtotp/device';"],
    ['tools/src/x.ts', "import { x } from '../../verifier/src/seedfiles/index.ts';"],
  ])('%s may not: %s', async (file, code) => {
    expect(await refusals(file, code)).toHaveLength(1);
  });

  it.each([
    ['tools/src/x.ts', "import { openVerifier } from '@hwtotp/verifier';"],
    ['verifier/src/x.ts', "import { nobleHmac } from '@hwtotp/protocol/host';"],
    ['device/src/core/x.ts', "import { PICO } from '@hwtotp/protocol';"],
    ['protocol/src/host/x.ts', "import { sha1 } from '@noble/hashes/legacy.js';"],
  ])('%s may: %s', async (file, code) => {
    expect(await refusals(file, code)).toEqual([]);
  });
});
