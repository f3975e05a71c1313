/**
 * Compiles protocol/src for the firmware the way the build does: tsc 5.9 at target ES5 with
 * noEmitHelpers (docs/ARCHITECTURE.md "Builds"), then rollup to one CommonJS-style file with strict: false.
 * Everything stays in memory.
 */
import { fileURLToPath } from 'node:url';
import { posix } from 'node:path';
import ts from 'typescript';
import { rollup } from 'rollup';

/** protocol/src, absolute. */
export const PROTOCOL_SRC = fileURLToPath(new URL('../../protocol/src/', import.meta.url));

/** The tsc options of the firmware compile. lib is ES5 only, so an ES2015+ library call is a type error. */
export function es5Options(module: ts.ModuleKind): ts.CompilerOptions {
  return {
    target: ts.ScriptTarget.ES5,
    module,
    moduleResolution: module === ts.ModuleKind.CommonJS ? ts.ModuleResolutionKind.Node10 : ts.ModuleResolutionKind.Bundler,
    noEmitHelpers: true,
    importHelpers: false,
    // The sources import './x.ts'; the output imports './x.js', as the package build writes it.
    allowImportingTsExtensions: true,
    rewriteRelativeImportExtensions: true,
    strict: true,
    noUncheckedIndexedAccess: true,
    lib: ['lib.es5.d.ts'],
    types: [],
    skipLibCheck: true,
    rootDir: PROTOCOL_SRC,
    outDir: '/es5',
    sourceMap: false,
    declaration: false,
  };
}

/** The result of compiling protocol/src/index.ts and everything it imports. */
export interface Es5Compile {
  /** Emitted files, keyed by their path relative to protocol/src ("frame.js"). */
  files: { [name: string]: string };
  /** tsc's diagnostics, one line each. */
  diagnostics: string[];
}

/** Compiles index.ts and its imports (never src/host, which is host-only) with tsc. */
export function compileProtocol(module: ts.ModuleKind): Es5Compile {
  const files: { [name: string]: string } = {};
  const program = ts.createProgram([PROTOCOL_SRC + 'index.ts'], es5Options(module));
  const emit = program.emit(undefined, (name, text) => {
    files[posix.relative('/es5', name)] = text;
  });
  const diagnostics = ts.getPreEmitDiagnostics(program).concat(emit.diagnostics).map((d) => {
    const where = d.file && d.start !== undefined ? d.file.fileName + ':' + (d.file.getLineAndCharacterOfPosition(d.start).line + 1) + ': ' : '';
    return where + ts.flattenDiagnosticMessageText(d.messageText, ' ');
  });
  return { files, diagnostics };
}

/** Bundles ES-module ES5 output into one CommonJS file, as the firmware build's rollup step does. */
export async function bundleProtocol(files: { [name: string]: string }): Promise<string> {
  const bundle = await rollup({
    input: '/es5/index.js',
    plugins: [{
      name: 'in-memory',
      resolveId(source, importer) {
        if (!importer) return source;
        const base = posix.join(posix.dirname(importer), source);
        return /\.js$/.test(base) ? base : base + '.js';
      },
      load(id) {
        const text = files[posix.relative('/es5', id)];
        if (text === undefined) throw new Error('tsc emitted no ' + id);
        return text;
      },
    }],
    onwarn(warning) {
      throw new Error('rollup: ' + warning.message);
    },
  });
  const { output } = await bundle.generate({ format: 'cjs', strict: false, exports: 'named' });
  await bundle.close();
  return output[0].code;
}
