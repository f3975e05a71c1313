/**
 * Bounds on the shape of an XML document, checked in one pass over the text before any parser
 * allocates for it.
 *
 * Why our own scan: fast-xml-parser bounds nesting (maxNestedTags) but not the number of elements or
 * attributes, and both its validator and its parser build every attribute of a tag, and every
 * element, before anything can refuse them. A 15.8 MB file with 1.3 million attributes on its root
 * took 1.9 GB and 9 s (measured). This scan allocates nothing per element: it counts.
 *
 * The counts are upper bounds on what the parser will see, so the scan can be simple and still
 * safe: inside a tag every run of text outside quotes counts as an attribute (`a="1"` is one,
 * `a = "1"` three), and the scan never needs the document to be well-formed (the validator that runs
 * next refuses what is not).
 */
import { SeedFileError } from './errors.ts';

/** Limits of a seed file's XML. */
export interface XmlLimits {
  /** Elements in the document. */
  elements: number;
  /** Attributes (namespace declarations included) on one element. */
  attributesPerElement: number;
  /** Attributes in the whole document. */
  attributes: number;
  /** Depth of nesting, the root at 1. */
  depth: number;
}

/**
 * PSKC needs far less: an encrypted key is 19 elements, so 150,000 elements hold about 7,500 keys
 * (a bigger batch goes in several files). That many keep an import under 300 MB of memory: 252 MB
 * for 7,850 encrypted keys through `hwtotp import` (measured). No PSKC element has more than a handful of attributes
 * (the root's namespace declarations are the most) and an encrypted key about 5 in all; the
 * deepest PSKC path (a PBKDF2 salt) is 7.
 */
export const DEFAULT_XML_LIMITS: XmlLimits = { elements: 150_000, attributesPerElement: 64, attributes: 150_000, depth: 32 };

function tooMuch(what: string, limit: number, line: number): SeedFileError {
  return new SeedFileError('too-large', 'XML ' + what + ' (line ' + line + '): more than the limit of ' + limit + '; not a seed file this reader accepts');
}

/**
 * Counts elements, attributes per element and depth, throwing at the first limit passed.
 * @throws SeedFileError 'too-large' naming the limit and the line.
 */
export function checkXmlLimits(text: string, limits: XmlLimits = DEFAULT_XML_LIMITS): void {
  let elements = 0;
  let attributes = 0;
  let depth = 0;
  let line = 1;
  const n = text.length;
  /** Index just past `end` from i, counting lines; n when absent. */
  const skipTo = (i: number, end: string): number => {
    const j = text.indexOf(end, i);
    const stop = j < 0 ? n : j + end.length;
    for (let k = i; k < stop; k++) if (text.charCodeAt(k) === 10) line++;
    return stop;
  };
  let i = 0;
  while (i < n) {
    const lt = text.indexOf('<', i);
    if (lt < 0) break;
    for (let k = i; k < lt; k++) if (text.charCodeAt(k) === 10) line++;
    if (text.startsWith('<!--', lt)) { i = skipTo(lt + 4, '-->'); continue; }
    if (text.startsWith('<![CDATA[', lt)) { i = skipTo(lt + 9, ']]>'); continue; }
    if (text.startsWith('<?', lt) || text.startsWith('<!', lt)) { i = skipTo(lt + 2, '>'); continue; }
    if (text.startsWith('</', lt)) { depth = Math.max(0, depth - 1); i = skipTo(lt + 2, '>'); continue; }
    if (++elements > limits.elements) throw tooMuch('elements', limits.elements, line);
    // Inside a start tag: count runs of text outside quotes until '>'.
    let j = lt + 1;
    let runs = 0;
    let inRun = false;
    let selfClosing = false;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c === 62 /* > */) { selfClosing = text.charCodeAt(j - 1) === 47 /* / */; j++; break; }
      if (c === 34 /* " */ || c === 39 /* ' */) {
        const close = text.indexOf(c === 34 ? '"' : "'", j + 1);
        const stop = close < 0 ? n : close;
        for (let k = j + 1; k < stop; k++) if (text.charCodeAt(k) === 10) line++;
        j = stop + 1;
        inRun = true; // a value belongs to the run before it
        continue;
      }
      const space = c === 32 || c === 9 || c === 10 || c === 13;
      if (c === 10) line++;
      if (!space && !inRun) {
        // The first run is the element's name.
        if (++runs > limits.attributesPerElement + 1) throw tooMuch('attributes on one element', limits.attributesPerElement, line);
        if (runs > 1 && ++attributes > limits.attributes) throw tooMuch('attributes', limits.attributes, line);
      }
      inRun = !space;
      j++;
    }
    if (depth + 1 > limits.depth) throw tooMuch('nesting', limits.depth, line);
    if (!selfClosing) depth++;
    i = j;
  }
}
