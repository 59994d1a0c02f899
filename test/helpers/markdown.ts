/**
 * Just enough Markdown reading for the documentation tests: fenced code blocks, headings with GitHub's anchor slugs,
 * and inline links, each with its 1-based line number.
 */

export interface CodeBlock {
  /** The info string after the opening fence (`sh`, `json`, `` for a plain block). */
  lang: string;
  /** Line of the opening fence. */
  line: number;
  /** Line of the first line of code (the one after the opening fence). */
  firstLine: number;
  code: string;
}

export interface Heading {
  level: number;
  text: string;
  line: number;
  slug: string;
}

export interface Link {
  text: string;
  target: string;
  line: number;
}

const FENCE = /^\s*(`{3,}|~{3,})\s*([^\s`]*)/;

/** Splits a document into its fenced code blocks, and marks which lines lie inside one. */
function scan(markdown: string): { lines: string[]; inFence: boolean[]; blocks: CodeBlock[] } {
  const lines = markdown.split('\n');
  const inFence = lines.map(() => false);
  const blocks: CodeBlock[] = [];
  let open: { marker: string; lang: string; line: number; body: string[] } | null = null;
  lines.forEach((text, index) => {
    const match = FENCE.exec(text);
    if (open) {
      inFence[index] = true;
      if (match && match[1][0] === open.marker[0] && match[1].length >= open.marker.length && match[2] === '') {
        blocks.push({ lang: open.lang, line: open.line, firstLine: open.line + 1, code: open.body.join('\n') });
        open = null;
      } else {
        open.body.push(text);
      }
    } else if (match) {
      inFence[index] = true;
      open = { marker: match[1], lang: match[2], line: index + 1, body: [] };
    }
  });
  if (open) throw new Error(`unclosed code fence at line ${(open as { line: number }).line}`);
  return { lines, inFence, blocks };
}

export function codeBlocks(markdown: string): CodeBlock[] {
  return scan(markdown).blocks;
}

/**
 * GitHub's heading anchor: the heading's text without inline-code backticks and other markup, lower-cased, every
 * character that is not a letter, a digit, a space, `-` or `_` dropped, and each space turned into `-`.
 */
export function githubSlug(text: string): string {
  return text
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1') // a link inside a heading keeps its text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
    .replace(/ /g, '-');
}

/** ATX headings outside code blocks; repeated slugs get `-1`, `-2`, ... as on GitHub. */
export function headings(markdown: string): Heading[] {
  const { lines, inFence } = scan(markdown);
  const seen = new Map<string, number>();
  const result: Heading[] = [];
  lines.forEach((text, index) => {
    if (inFence[index]) return;
    const match = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(text);
    if (!match) return;
    const base = githubSlug(match[2]);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.push({ level: match[1].length, text: match[2], line: index + 1, slug: count === 0 ? base : `${base}-${count}` });
  });
  return result;
}

/** Inline links `[text](target)` outside code blocks and inline code. Images count as links too. */
export function links(markdown: string): Link[] {
  const { lines, inFence } = scan(markdown);
  const result: Link[] = [];
  lines.forEach((text, index) => {
    if (inFence[index]) return;
    const prose = text.replace(/(`+)[^`]*?\1/g, (code) => ' '.repeat(code.length));
    for (const match of prose.matchAll(/\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)) {
      result.push({ text: match[1], target: match[2], line: index + 1 });
    }
  });
  return result;
}
