/**
 * A safe, namespace-aware view of an XML document, on fast-xml-parser.
 *
 * Seed files come from outside, so the reader refuses what XML attacks need before any parsing:
 * - any DOCTYPE (and so any ENTITY declaration): no external entity can be fetched from disk or the
 *   network (XXE) and no entity can expand (billion laughs). PSKC (RFC 6030) never needs a DTD;
 * - the parser itself runs with entity processing off; this file decodes only the five predefined
 *   entities and numeric character references (XML 1.0 §4.6, §4.1), and refuses any other reference;
 * - any character XML 1.0 §2.2 does not allow (most of C0, U+FFFE, U+FFFF, a lone surrogate), raw or
 *   as a character reference: expat and the RFC 6030 schema tools refuse such a document, and a
 *   control character read from it would reach terminals and logs;
 * - a size limit on the input, and limits on elements, attributes and depth counted before any
 *   parser allocates for them (xml-limits.ts).
 *
 * Element and attribute names are resolved to (namespace URI, local name) from the xmlns
 * declarations in scope (Namespaces in XML 1.0 §6), so documents that use different prefixes for
 * the same namespace (RFC 6030 Figures 6 and 7) read the same.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { SeedFileError } from './errors.ts';
import { decodeUtf8 } from './text.ts';
import { DEFAULT_XML_LIMITS, checkXmlLimits } from './xml-limits.ts';

/** An element with its name resolved. Text is the concatenated character data of its direct children. */
export interface XmlElement {
  ns: string;
  local: string;
  /** Attributes by local name (PSKC attributes are unqualified); values entity-decoded. */
  attrs: { [name: string]: string };
  children: XmlElement[];
  text: string;
}

/** Largest seed file accepted, in bytes. The element limit (xml-limits.ts) caps encrypted PSKC at about 7,500 keys first. */
export const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const PREDEFINED: { [name: string]: string } = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Characters outside XML 1.0 §2.2 Char: C0 but tab, LF and CR; U+FFFE and U+FFFF; lone surrogates. */
// eslint-disable-next-line no-control-regex
const NOT_XML_CHAR = /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|\p{Cs}/u;

function notXmlChar(code: number): boolean {
  return NOT_XML_CHAR.test(String.fromCodePoint(code));
}

/** "U+001B" for messages. */
function codePoint(code: number): string {
  return 'U+' + code.toString(16).toUpperCase().padStart(4, '0');
}

/** Decodes predefined entities and character references; anything else is refused. */
export function decodeEntities(s: string): string {
  if (s.indexOf('&') < 0) return s;
  return s.replace(/&([^;&\s]{0,12});?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) throw new SeedFileError('malformed', 'malformed XML: a bare "&" must be written "&amp;"');
    const pre = PREDEFINED[name];
    if (pre !== undefined) return pre;
    const m = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(name);
    if (m) {
      const code = m[1] !== undefined ? parseInt(m[1], 16) : parseInt(m[2]!, 10);
      if (code > 0x10ffff || notXmlChar(code)) {
        throw new SeedFileError('malformed', 'malformed XML: character reference ' + whole + ' is not a character XML 1.0 allows');
      }
      return String.fromCodePoint(code);
    }
    throw new SeedFileError('forbidden', 'XML entity reference "&' + name + ';" refused: seed files may use only the predefined entities');
  });
}

/** Escapes text for element content or a double-quoted attribute. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Line number (1-based) of a character offset, for messages. */
function lineOf(text: string, offset: number): number {
  let n = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/**
 * Parses an XML document into a resolved element tree.
 * @throws SeedFileError 'too-large', 'forbidden' (DOCTYPE/ENTITY, unknown entity) or 'malformed'.
 */
export function parseXml(input: string | Uint8Array, maxBytes = DEFAULT_MAX_BYTES): XmlElement {
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.length;
  if (size > maxBytes) {
    throw new SeedFileError('too-large', 'seed file is ' + size + ' bytes, more than the limit of ' + maxBytes);
  }
  const text = decodeUtf8(input);
  const bad = NOT_XML_CHAR.exec(text);
  if (bad) {
    throw new SeedFileError('malformed', 'malformed XML at line ' + lineOf(text, bad.index) + ': character ' +
      codePoint(bad[0].charCodeAt(0)) + ' is not allowed in XML 1.0 (a control character)');
  }
  const decl = /^<\?xml[^>]*\sencoding\s*=\s*["']([^"']*)["']/.exec(text);
  if (decl && !/^(utf-?8|us-ascii)$/i.test(decl[1]!)) {
    throw new SeedFileError('unsupported', 'the XML declaration says encoding "' + decl[1] + '"; only UTF-8 is supported (convert the file to UTF-8)');
  }
  const dtd = /<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/i.exec(text);
  if (dtd) {
    throw new SeedFileError('forbidden', 'XML ' + dtd[1]!.toUpperCase() + ' declaration at line ' + lineOf(text, dtd.index) +
      ' refused: seed files may not declare a DTD or entities (XXE and entity-expansion protection)');
  }
  checkXmlLimits(text);
  const valid = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (valid !== true) {
    throw new SeedFileError('malformed', 'malformed XML at line ' + valid.err.line + ', column ' + valid.err.col + ': ' + valid.err.msg);
  }
  let nodes: unknown[];
  try {
    const parser = new XMLParser({
      preserveOrder: true,
      ignoreAttributes: false,
      attributeNamePrefix: '',
      parseTagValue: false,
      parseAttributeValue: false,
      processEntities: false,
      htmlEntities: false,
      trimValues: false,
      ignoreDeclaration: true,
      ignorePiTags: true,
      cdataPropName: '#cdata',
      commentPropName: false,
      maxNestedTags: DEFAULT_XML_LIMITS.depth,
    });
    nodes = parser.parse(text) as unknown[];
  } catch (e) {
    throw new SeedFileError('malformed', 'malformed XML: ' + (e as Error).message);
  }
  const roots = nodes.filter((n) => elementName(n as Node) !== undefined);
  const strayText = nodes.some((n) => typeof (n as Node)['#text'] === 'string' && /\S/.test((n as Node)['#text'] as string));
  if (roots.length !== 1 || strayText) {
    throw new SeedFileError('malformed', 'malformed XML: a document must have exactly one root element, found ' + roots.length +
      (strayText ? ' and text outside it' : ''));
  }
  return resolve(roots[0] as Node, { '': '', xml: XML_NS });
}

type Node = { [key: string]: unknown };

const NO_ATTRIBUTES: { [name: string]: string } = Object.freeze(Object.create(null) as { [name: string]: string });

function elementName(n: Node): string | undefined {
  for (const k of Object.keys(n)) if (k !== ':@' && k !== '#text' && k !== '#cdata') return k;
  return undefined;
}

function split(qname: string): [string, string] {
  const i = qname.indexOf(':');
  return i < 0 ? ['', qname] : [qname.slice(0, i), qname.slice(i + 1)];
}

function resolve(node: Node, inScope: { [prefix: string]: string }): XmlElement {
  const qname = elementName(node)!;
  const rawAttrs = (node[':@'] ?? {}) as { [k: string]: string };
  let scope = inScope;
  for (const k of Object.keys(rawAttrs)) {
    if (k !== 'xmlns' && !k.startsWith('xmlns:')) continue;
    if (scope === inScope) scope = Object.assign({}, inScope); // copy only where declarations change it
    scope[k === 'xmlns' ? '' : k.slice(6)] = decodeEntities(rawAttrs[k]!);
  }
  const [prefix, local] = split(qname);
  const ns = scope[prefix];
  if (ns === undefined) {
    throw new SeedFileError('malformed', 'malformed XML: element <' + qname + '> uses the undeclared namespace prefix "' + prefix + '"');
  }
  // Most elements have no attribute: they share one empty object (a prototype-less object per
  // element cost megabytes on a large file).
  let attrs: { [name: string]: string } = NO_ATTRIBUTES;
  for (const k of Object.keys(rawAttrs)) {
    if (k === 'xmlns' || k.startsWith('xmlns:')) continue;
    if (attrs === NO_ATTRIBUTES) attrs = Object.create(null) as { [name: string]: string };
    attrs[split(k)[1]] = decodeEntities(rawAttrs[k]!);
  }
  const children: XmlElement[] = [];
  let text = '';
  const raw = (node[qname] as (Node | null)[]) ?? [];
  for (let i = 0; i < raw.length; i++) {
    const child = raw[i]!;
    // Let the parser's node go as soon as it is resolved: the two trees are never whole at once.
    raw[i] = null;
    if (typeof child['#text'] === 'string') text += decodeEntities(child['#text']);
    else if (child['#cdata'] !== undefined) text += cdataText(child['#cdata']);
    else if (elementName(child) !== undefined) children.push(resolve(child, scope));
  }
  return { ns, local, attrs, children, text };
}

function cdataText(v: unknown): string {
  if (Array.isArray(v)) return v.map((x) => String((x as Node)['#text'] ?? '')).join('');
  return String(v);
}
