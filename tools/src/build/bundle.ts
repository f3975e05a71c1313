/**
 * Which firmware bundle a command runs or uploads (`hwtotp sim`, `hwtotp flash`): an explicit
 * --bundle must exist; the default one, <distDir>/<board>.js, is built when it is missing (a fresh
 * clone has no device/dist). The build's toolchain (typescript, rollup, terser: about 1.5 s to load)
 * is imported only when a build is needed, so running a built bundle does not pay for it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../command.ts';

/** The repository root of this checkout (tools/src/build or tools/dist/build, three levels down). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Where the firmware bundles are: the @hwtotp/device package's dist/ (device/dist in a checkout). */
export const DIST_DIR = join(dirname(createRequire(import.meta.url).resolve('@hwtotp/device/package.json')), 'dist');

/** The optional peers of @hwtotp/tools that building or checking firmware needs. */
const TOOLCHAIN = 'typescript@5.9 rollup terser eslint';

/**
 * Imports a module of the firmware toolchain (the build, the Espruino check). An installed
 * @hwtotp/tools has it only if its optional peers were installed too: say which, rather than
 * failing on a bare "Cannot find package".
 */
export async function importToolchain<T>(load: () => Promise<T>, what: string): Promise<T> {
  try {
    return await load();
  } catch (e) {
    const err = e as { code?: string; message?: string };
    const missing = /Cannot find package '([^']+)'/.exec(String(err.message))?.[1];
    if (err.code !== 'ERR_MODULE_NOT_FOUND' || !missing || missing.startsWith('@hwtotp/')) throw e;
    throw Object.assign(new Error(`${what} needs the firmware toolchain, which is not installed here: npm install ${TOOLCHAIN}`), { exitCode: 1 });
  }
}

/** The default bundle of a board: <distDir>/<board>.js. */
export function defaultBundle(board: string, distDir: string = DIST_DIR): string {
  return join(distDir, `${board}.js`);
}

export interface BundleOptions {
  /** Where the default bundles are, and where a missing one is built (default device/dist). */
  distDir?: string;
  /** The build's scratch directory (default device/build). */
  buildDir?: string;
  /** Told the file about to be built, before the build starts. */
  onBuild?: (file: string) => void;
}

/**
 * The bundle file for `board`: `explicit` when given, else the default one, built if missing.
 * @throws UsageError naming the file when an explicit bundle does not exist; BuildError from a build
 */
export async function bundleFor(board: string, explicit: string | undefined, o: BundleOptions = {}): Promise<string> {
  if (explicit !== undefined) {
    if (!existsSync(explicit)) throw new UsageError(`--bundle: no such file "${explicit}"`);
    return explicit;
  }
  const file = defaultBundle(board, o.distDir);
  if (existsSync(file)) return file;
  o.onBuild?.(file);
  const { buildFirmware } = await importToolchain(() => import('./firmware.ts'), `building ${board}.js`);
  return (await buildFirmware({ boards: [board], distDir: o.distDir, buildDir: o.buildDir })).files[board] as string;
}
