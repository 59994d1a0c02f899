import * as fs from 'node:fs';
import * as path from 'node:path';
import { githubSlug, headings, links } from './helpers/markdown';

/**
 * The documentation's links: every relative link in README.md and docs/*.md names a file that exists, and every
 * `#anchor` names a heading of the file it points into (GitHub's slugs). http(s) and mailto links are not followed.
 */
const ROOT = path.resolve(__dirname, '..');

function documents(): string[] {
  const docs = fs
    .readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => path.join(ROOT, 'docs', name));
  return [path.join(ROOT, 'README.md'), ...docs];
}

interface Files {
  read(file: string): string;
  exists(file: string): boolean;
}
const DISK: Files = { read: (file) => fs.readFileSync(file, 'utf8'), exists: (file) => fs.existsSync(file) };

/** Every broken link of one Markdown file, as `file:line: [text](target): reason`. */
function brokenLinks(file: string, { read, exists }: Files = DISK): string[] {
  const problems: string[] = [];
  const where = path.relative(ROOT, file);
  for (const link of links(read(file))) {
    const { target } = link;
    if (/^(https?:|mailto:)/i.test(target)) continue;
    const say = (reason: string) => problems.push(`${where}:${link.line}: [${link.text}](${target}): ${reason}`);
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
      say('unexpected scheme');
      continue;
    }
    if (target === '') {
      say('empty target');
      continue;
    }
    const hash = target.indexOf('#');
    const filePart = hash < 0 ? target : target.slice(0, hash);
    const anchor = hash < 0 ? null : decodeURIComponent(target.slice(hash + 1));
    const linked = filePart === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(filePart));
    if (!exists(linked)) {
      say(`${path.relative(ROOT, linked)} does not exist`);
      continue;
    }
    if (anchor === null) continue;
    if (!linked.endsWith('.md')) {
      say('an anchor into a file that is not Markdown');
      continue;
    }
    const slugs = new Set(headings(read(linked)).map((heading) => heading.slug));
    if (!slugs.has(anchor)) say(`no heading with the anchor #${anchor} in ${path.relative(ROOT, linked)}`);
  }
  return problems;
}

describe('documentation links', () => {
  it('finds README.md and the pages under docs/', () => {
    const files = documents().map((file) => path.relative(ROOT, file));
    expect(files).toEqual(expect.arrayContaining(['README.md', path.join('docs', 'walkthroughs.md'), path.join('docs', 'api.md')]));
  });

  it.each(documents().map((file) => [path.relative(ROOT, file), file]))('%s: every relative link and anchor resolves', (_name, file) => {
    expect(brokenLinks(file)).toEqual([]);
  });

  it('README ends with a "Where to go next" list that links every page under docs/', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const last = headings(readme).at(-1)!;
    expect(last.text).toBe('Where to go next');
    const linked = new Set(links(readme.split('\n').slice(last.line).join('\n')).map((link) => link.target.split('#')[0]));
    for (const file of documents().slice(1)) expect(linked).toContain(path.relative(ROOT, file));
  });

  it('every page under docs/ links back to the README', () => {
    for (const file of documents().slice(1)) {
      expect(links(fs.readFileSync(file, 'utf8')).map((link) => link.target.split('#')[0])).toContain('../README.md');
    }
  });
});

describe('the link checker itself', () => {
  it('makes GitHub slugs', () => {
    expect(githubSlug('Runs: queue, async, cancel, timeouts, retries')).toBe('runs-queue-async-cancel-timeouts-retries');
    expect(githubSlug('`npm run keys`')).toBe('npm-run-keys');
    expect(githubSlug('api_fetcher')).toBe('api_fetcher');
    expect(githubSlug('9. Get one instance and update it with If-Match')).toBe('9-get-one-instance-and-update-it-with-if-match');
    expect(githubSlug('Files and tables: rules shared by the templates')).toBe('files-and-tables-rules-shared-by-the-templates');
    expect(githubSlug('Function style (migrating seed plugins)')).toBe('function-style-migrating-seed-plugins');
  });

  it('numbers repeated headings and ignores "#" lines in code blocks', () => {
    const doc = ['# Notes', '```sh', '# not a heading', '```', '## Notes', '### `a_b` c'].join('\n');
    expect(headings(doc).map((heading) => heading.slug)).toEqual(['notes', 'notes-1', 'a_b-c']);
  });

  it('reports a missing file, a missing anchor and a missing anchor in another file, and skips web links', () => {
    const files: Record<string, string> = {
      [path.join(ROOT, 'docs', 'a.md')]: [
        '# A',
        'See [B](b.md#b-part), [gone](b.md#nowhere), [self](#a), [bad](#b-part), [none](missing.md),',
        '[web](https://example.org/#x) and `[code](#not-a-link)`.',
        '```',
        '[in a block](#also-not-a-link)',
        '```',
      ].join('\n'),
      [path.join(ROOT, 'docs', 'b.md')]: '# B\n## B part\n',
    };
    const io: Files = { read: (file) => files[file], exists: (file) => file in files };
    expect(brokenLinks(path.join(ROOT, 'docs', 'a.md'), io)).toEqual([
      'docs/a.md:2: [gone](b.md#nowhere): no heading with the anchor #nowhere in docs/b.md',
      'docs/a.md:2: [bad](#b-part): no heading with the anchor #b-part in docs/a.md',
      'docs/a.md:2: [none](missing.md): docs/missing.md does not exist',
    ]);
  });
});
