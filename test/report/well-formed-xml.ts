/**
 * A strict check that a picture is well-formed XML with an <svg> root, for
 * the picture tests: every tag closed in order, attribute values quoted,
 * no raw "<" or stray "&" in text or attributes. (Browsers refuse to show an
 * SVG attachment that is not well-formed.)
 */
const NAME = '[A-Za-z_][\\w.:-]*';
const ATTRIBUTE = new RegExp(`\\s+(${NAME})="([^"]*)"`, 'y');
const ENTITY = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9A-Fa-f]+);/y;

function checkText(text: string, where: string): void {
  for (let i = text.indexOf('&'); i >= 0; i = text.indexOf('&', i + 1)) {
    ENTITY.lastIndex = i;
    if (!ENTITY.test(text)) throw new Error(`a stray "&" ${where}: ${JSON.stringify(text.slice(i, i + 20))}`);
  }
  if (text.includes('<')) throw new Error(`a raw "<" ${where}`);
}

export function assertWellFormedSvg(markup: string): void {
  const stack: string[] = [];
  let i = 0;
  let roots = 0;
  const openTag = new RegExp(`<(${NAME})`, 'y');
  while (i < markup.length) {
    const lt = markup.indexOf('<', i);
    const textEnd = lt < 0 ? markup.length : lt;
    const text = markup.slice(i, textEnd);
    if (stack.length === 0 && text.trim() !== '') throw new Error(`text outside the root element: ${JSON.stringify(text.slice(0, 40))}`);
    checkText(text, `in text at ${i}`);
    if (lt < 0) break;
    if (markup.startsWith('</', lt)) {
      const end = markup.indexOf('>', lt);
      const name = markup.slice(lt + 2, end).trim();
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> at ${lt} closes <${open ?? 'nothing'}>`);
      i = end + 1;
      continue;
    }
    openTag.lastIndex = lt;
    const m = openTag.exec(markup);
    if (!m) throw new Error(`malformed tag at ${lt}: ${JSON.stringify(markup.slice(lt, lt + 30))}`);
    if (stack.length === 0) {
      roots++;
      if (m[1] !== 'svg') throw new Error(`the root element is <${m[1]}>, not <svg>`);
    }
    let at = lt + m[0].length;
    const seen = new Set<string>();
    for (;;) {
      ATTRIBUTE.lastIndex = at;
      const a = ATTRIBUTE.exec(markup);
      if (!a) break;
      if (seen.has(a[1]!)) throw new Error(`attribute ${a[1]} given twice in <${m[1]}> at ${lt}`);
      seen.add(a[1]!);
      checkText(a[2]!, `in attribute ${a[1]} of <${m[1]}> at ${lt}`);
      at = ATTRIBUTE.lastIndex;
    }
    if (markup.startsWith('/>', at)) i = at + 2;
    else if (markup.startsWith('>', at)) {
      stack.push(m[1]!);
      i = at + 1;
    } else throw new Error(`malformed attributes in <${m[1]}> at ${lt}: ${JSON.stringify(markup.slice(at, at + 30))}`);
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.join('>, <')}>`);
  if (roots !== 1) throw new Error(`expected one root element, found ${roots}`);
  if (!/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/.test(markup)) throw new Error('the <svg> root lacks the SVG namespace');
}
