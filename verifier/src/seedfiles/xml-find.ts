/** Small lookups over the resolved XML tree (./xml.ts), by namespace URI and local name. */
import type { XmlElement } from './xml.ts';

/** The first child with that name, in any of the namespaces given. */
export function child(el: XmlElement | undefined, ns: string | string[], local: string): XmlElement | undefined {
  if (!el) return undefined;
  const nss = typeof ns === 'string' ? [ns] : ns;
  return el.children.find((c) => c.local === local && nss.includes(c.ns));
}

/** Every child with that name. */
export function children(el: XmlElement | undefined, ns: string, local: string): XmlElement[] {
  return el ? el.children.filter((c) => c.local === local && c.ns === ns) : [];
}

/** The trimmed text of a child, or undefined when the child is absent or empty. */
export function childText(el: XmlElement | undefined, ns: string | string[], local: string): string | undefined {
  const c = child(el, ns, local);
  if (!c) return undefined;
  const t = c.text.trim();
  return t === '' ? undefined : t;
}

/** Whether any element below (or at) el has that name. */
export function contains(el: XmlElement, ns: string, local: string): boolean {
  if (el.ns === ns && el.local === local) return true;
  return el.children.some((c) => contains(c, ns, local));
}

/** "{namespace}local" for messages about unexpected elements. */
export function qualified(el: XmlElement): string {
  return el.ns ? '{' + el.ns + '}' + el.local : el.local;
}
