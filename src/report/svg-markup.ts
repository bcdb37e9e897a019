/**
 * The small amount of SVG markup the report's pictures share: escaping, and
 * a few element builders. Every picture is a standalone document (with its
 * XML namespace and a viewBox), so a browser shows it whether the report
 * embeds it as an image or opens it on its own.
 */

/** Text made safe for an XML text node or attribute value. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** A coordinate or length with at most two decimals, so the markup stays short and stable. */
export function num(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`an SVG coordinate must be a finite number, got ${n}`);
  return String(Math.round(n * 100) / 100);
}

export type Attributes = Readonly<Record<string, string | number>>;

function attributes(attrs: Attributes): string {
  return Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? num(v) : escapeXml(v)}"`)
    .join('');
}

/** An element with the given attributes and already-built children (or none). */
export function element(name: string, attrs: Attributes, children: readonly string[] = []): string {
  return children.length === 0 ? `<${name}${attributes(attrs)}/>` : `<${name}${attributes(attrs)}>${children.join('')}</${name}>`;
}

/** A text element; the text is escaped. */
export function text(x: number, y: number, content: string, attrs: Attributes = {}): string {
  return `<text${attributes({ x, y, ...attrs })}>${escapeXml(content)}</text>`;
}

/** A tooltip for the enclosing element (browsers show it on hover). */
export function title(content: string): string {
  return `<title>${escapeXml(content)}</title>`;
}

export const FONT = 'DejaVu Sans, Segoe UI, Helvetica, Arial, sans-serif';
export const MONOSPACE = 'DejaVu Sans Mono, Consolas, Menlo, monospace';

/** The whole document: width and height in pixels, children already built. */
export function svgDocument(width: number, height: number, label: string, children: readonly string[]): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${num(width)}" height="${num(height)}" viewBox="0 0 ${num(width)} ${num(height)}"` +
    ` role="img" aria-label="${escapeXml(label)}" font-family="${escapeXml(FONT)}" font-size="12">` +
    title(label) +
    children.join('') +
    '</svg>\n'
  );
}
