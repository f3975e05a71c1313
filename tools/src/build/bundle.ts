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
  const { buildFirmware } = await import('./firmware.ts');
  return (await buildFirmware({ boards: [board], distDir: o.distDir, buildDir: o.buildDir })).files[board] as string;
}
