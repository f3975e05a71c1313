/**
 * Builds the firmware bundles (docs/ARCHITECTURE.md "Builds"):
 *
 *   device/src + protocol/src --tsc 5.9, ES5, noEmitHelpers--> build dir (ES modules)
 *     --rollup, one entry per board, CommonJS style, strict: false--> one file
 *     --terser, ecma 5--> device/dist/<board>.js, and device/dist/sizes.json
 *
 * A bundle is written only if it passes the Espruino check (tools/src/espruino-check), contains no
 * module from outside the compiled sources (so no pure-JS hash from node_modules can slip in), and
 * the pico bundle fits its budget. Any failure throws a BuildError that names the board and reasons.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { rollup, type Plugin } from 'rollup';
import { minify } from 'terser';
import { BOARDS as BOARD_TABLE, boardNames } from '@hwtotp/protocol';
import { checkEspruino, formatProblems } from '../espruino-check/index.ts';
import { ROOT } from './bundle.ts';

export { ROOT };


/** The boards (protocol/src/boards.ts), each built from device/src/boards/<board>.ts. */
export const BOARDS = boardNames();

/** Minified size budgets in bytes, from the board table. */
export const BUDGETS: { [board: string]: number } = {};
for (const b of BOARD_TABLE) if (b.budget !== undefined) BUDGETS[b.name] = b.budget;

/** A build failure; exit status 1 from the CLI. */
export class BuildError extends Error {
  override name = 'BuildError';
  exitCode = 1;
}

/** Options of buildFirmware. Paths are absolute or relative to the repository root. */
export interface BuildOptions {
  /** Boards to build (default: all). */
  boards?: string[];
  /** Extra entries, name → TypeScript source (tests use this to feed a deliberately bad board). */
  entries?: { [name: string]: string };
  /** Where tsc writes (default device/build). */
  buildDir?: string;
  /** Where bundles and sizes.json go (default device/dist). */
  distDir?: string;
  /** Budgets to enforce (default BUDGETS). */
  budgets?: { [name: string]: number };
}

/** What a build wrote. */
export interface BuildResult {
  /** Minified bytes per bundle. */
  sizes: { [name: string]: number };
  /** Bundle paths per name. */
  files: { [name: string]: string };
}

/**
 * Property names that exist only inside a bundle (the HAL object a board file builds and the core
 * reads, and the core's own bookkeeping), so terser may shorten them everywhere at once. Nothing
 * Espruino defines, nothing on the wire and nothing stored in flash may be listed here.
 */
export const INTERNAL_PROPERTIES = /^(crc32|onButton|show|off|now|setTime|storage|link|after|cancel|what|start|run|buf|overlong|id|op|args|frame|error|message|value|algorithm)$/;

/**
 * The sources a project's tsconfig.json names. The firmware compiles device/ and protocol/'s pure
 * entry exactly as their tsconfigs list them, so protocol/src/host (its own project) stays out.
 */
function projectFiles(dir: string): string[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(dir, 'tsconfig.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => { throw new BuildError(ts.flattenDiagnosticMessageText(d.messageText, '\n')); },
  });
  if (!parsed) throw new BuildError('cannot read ' + join(dir, 'tsconfig.json'));
  return parsed.fileNames.map((f) => resolve(f));
}

/** The tsc options of the firmware: ES5 out, ES modules for rollup, no helper definitions. */
export const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES5,
  module: ts.ModuleKind.ESNext,
  noEmitHelpers: true,
  importHelpers: false,
  // The sources import './x.ts'; rollup then finds the emitted './x.js'.
  allowImportingTsExtensions: true,
  rewriteRelativeImportExtensions: true,
  removeComments: true,
  isolatedModules: true,
  verbatimModuleSyntax: false,
  sourceMap: false,
};

/** Compiles each source to ES5 into buildDir, mirroring its path under the repository root. */
function compile(sources: string[], buildDir: string): void {
  const errors: string[] = [];
  for (const file of sources) {
    const out = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: COMPILER_OPTIONS, fileName: file, reportDiagnostics: true,
    });
    for (const d of out.diagnostics || []) errors.push(relative(ROOT, file) + ': ' + ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    const target = join(buildDir, relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, out.outputText);
  }
  if (errors.length) throw new BuildError('tsc could not compile the firmware to ES5:\n' + errors.join('\n'));
}

/** Resolves @hwtotp/protocol and extensionless relative imports inside buildDir, and nothing else. */
function resolver(buildDir: string): Plugin {
  return {
    name: 'hwtotp-firmware-resolve',
    resolveId(source, importer) {
      if (source === '@hwtotp/protocol') return join(buildDir, 'protocol', 'src', 'index.js');
      if (!importer) return resolve(source);
      if (source.startsWith('.')) {
        const base = resolve(dirname(importer), source);
        for (const p of [base, base + '.js', base.replace(/\.ts$/, '.js'), join(base, 'index.js')]) {
          if (p.startsWith(buildDir + sep) && existsSync(p) && statSync(p).isFile()) return p;
        }
      }
      throw new BuildError('firmware import "' + source + '" in ' + relative(ROOT, importer) +
        ' is outside the compiled sources; only device/src and protocol/src go into a bundle');
    },
  };
}

/** Bundles and minifies one entry; returns the minified code. */
async function bundle(name: string, entry: string, buildDir: string): Promise<string> {
  const build = await rollup({
    input: entry,
    plugins: [resolver(buildDir)],
    treeshake: { moduleSideEffects: (id) => id.includes(sep + 'boards' + sep) || id === entry },
    onwarn(w) {
      throw new BuildError(name + ': rollup: ' + w.message);
    },
  });
  for (const id of build.watchFiles) {
    if (/noble|node_modules/.test(id)) throw new BuildError(name + ': bundle would include ' + id + ' (no library code, and no pure-JS hash, goes into firmware)');
  }
  const out = await build.generate({ format: 'cjs', strict: false, exports: 'none', generatedCode: 'es5', esModule: false });
  await build.close();
  // Wrapped in a function so the firmware's names stay local and never shadow an Espruino global.
  const code = '(function(){\n' + out.output[0].code + '\n})();\n';
  const min = await minify(code, { ecma: 5, compress: { ecma: 5, passes: 3, unsafe: true, pure_getters: true }, mangle: { properties: { regex: INTERNAL_PROPERTIES } }, format: { ecma: 5, ascii_only: true } });
  if (!min.code) throw new BuildError(name + ': terser produced no code');
  // Round constants of SHA-1 and SHA-256: their presence means a pure-JS hash got in.
  if (/\b(1518500249|1116352408|0x5a827999|0x428a2f98)\b/i.test(min.code)) {
    throw new BuildError(name + ': bundle contains a pure-JS SHA-1/SHA-256; the firmware must use the native require("crypto") hash');
  }
  return min.code;
}

/**
 * Builds the bundles. Throws BuildError naming the bundle and every problem when the Espruino check
 * fails, a budget is exceeded, or tsc/rollup fail; no bundle of a failed build is written.
 */
export async function buildFirmware(options?: BuildOptions): Promise<BuildResult> {
  const opts = options || {};
  const boards = opts.boards || BOARDS;
  for (const b of boards) {
    if (BOARDS.indexOf(b) < 0) throw new BuildError('unknown board "' + b + '"; boards are ' + BOARDS.join(', '));
  }
  const buildDir = resolve(ROOT, opts.buildDir || 'device/build');
  const distDir = resolve(ROOT, opts.distDir || 'device/dist');
  const budgets = opts.budgets || BUDGETS;
  const entries: { [name: string]: string } = {};
  for (const b of boards) entries[b] = join(ROOT, 'device', 'src', 'boards', b + '.ts');
  for (const k of Object.keys(opts.entries || {})) entries[k] = resolve(ROOT, (opts.entries as { [n: string]: string })[k] as string);

  const sources = projectFiles(join(ROOT, 'device')).concat(projectFiles(join(ROOT, 'protocol')));
  for (const k of Object.keys(entries)) if (sources.indexOf(entries[k] as string) < 0) sources.push(entries[k] as string);
  rmSync(buildDir, { recursive: true, force: true });
  compile(sources, buildDir);

  const codes: { [name: string]: string } = {};
  const failures: string[] = [];
  for (const name of Object.keys(entries)) {
    const entry = join(buildDir, relative(ROOT, entries[name] as string)).replace(/\.ts$/, '.js');
    const code = await bundle(name, entry, buildDir);
    const check = checkEspruino(code, { filename: name + '.js' });
    if (!check.ok) failures.push(...formatProblems(name + '.js', check.problems));
    const budget = budgets[name];
    if (budget !== undefined && code.length > budget) {
      failures.push(name + '.js: ' + code.length + ' bytes minified, over its budget of ' + budget);
    }
    codes[name] = code;
  }
  if (failures.length) throw new BuildError('firmware failed the Espruino check:\n' + failures.join('\n'));

  mkdirSync(distDir, { recursive: true });
  const sizes: { [name: string]: number } = {};
  const files: { [name: string]: string } = {};
  const sizesFile = join(distDir, 'sizes.json');
  let previous: { [name: string]: number } = {};
  try {
    previous = JSON.parse(readFileSync(sizesFile, 'utf8'));
  } catch {
    // First build, or a partial one: start afresh.
  }
  for (const name of Object.keys(codes)) {
    files[name] = join(distDir, name + '.js');
    writeFileSync(files[name] as string, codes[name] as string);
    sizes[name] = Buffer.byteLength(codes[name] as string);
  }
  writeFileSync(sizesFile, JSON.stringify(Object.assign(previous, sizes), null, 2) + '\n');
  return { sizes: sizes, files: files };
}
