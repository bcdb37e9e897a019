/**
 * Breaks text into lines of at most `width` characters at spaces, for the
 * pictures (SVG has no text flow). A word longer than a line is cut, so no
 * line ever runs off the picture.
 */
export function wrapText(text: string, width: number): string[] {
  if (!(Number.isInteger(width) && width > 0)) throw new RangeError(`wrapText: width must be a positive whole number of characters, got ${width}`);
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (let word of paragraph.split(/\s+/).filter((w) => w !== '')) {
      while (word.length > width) {
        if (line !== '') {
          lines.push(line);
          line = '';
        }
        lines.push(word.slice(0, width));
        word = word.slice(width);
      }
      if (line === '') line = word;
      else if (line.length + 1 + word.length <= width) line += ' ' + word;
      else {
        lines.push(line);
        line = word;
      }
    }
    lines.push(line);
  }
  return lines;
}
