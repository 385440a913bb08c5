// The docs stand on their own: every relative link lands on a file (and heading) inside the repository, none
// points at the shared spec beside a developer's checkout, and docs/rules.md covers what the schemas define.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { changeNames } from '../schemas/association.js';
import { lifecycleEventTypes, memberStates } from '../schemas/events.js';

const root = resolve(import.meta.dirname, '..');

function markdownIn(folder: string): string[] {
  return readdirSync(join(root, folder))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `${folder}/${name}`);
}

/** The prose the project publishes: the README, docs/ and the worked example's notes. */
const docs = ['README.md', ...markdownIn('docs'), ...markdownIn('examples')];

const read = (file: string) => readFileSync(join(root, file), 'utf8');

/** Fenced code blocks hold commands and output, not links or headings. */
function withoutFences(markdown: string): string {
  return markdown.replace(/^ {0,3}(`{3,}|~{3,})[^\n]*\n[\s\S]*?^ {0,3}\1[^\n]*$/gm, '');
}

/** Targets of inline links `[text](target "title")` and reference definitions `[label]: target`. */
function linkTargets(markdown: string): string[] {
  // Inline code can look like a link (`a[0](b)`); it never is one.
  const prose = withoutFences(markdown).replace(/`[^`\n]*`/g, 'code');
  const inline = [...prose.matchAll(/\[[^\]]*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1]!);
  const references = [...prose.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/gm)].map((match) => match[1]!);
  return [...inline, ...references];
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const counts = new Map<string, number>();
  for (const match of withoutFences(markdown).matchAll(/^ {0,3}#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const text = match[1]!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const seen = counts.get(slug) ?? 0;
    counts.set(slug, seen + 1);
    anchors.add(seen === 0 ? slug : `${slug}-${seen}`);
  }
  return anchors;
}

/** What is wrong with each relative link of `markdown` (a file at `file`, relative to `base`); [] when nothing. */
function brokenLinks(base: string, file: string, markdown: string): string[] {
  const problems: string[] = [];
  for (const target of linkTargets(markdown)) {
    if (/^https?:\/\//i.test(target) || /^mailto:/i.test(target)) continue;
    const [path = '', anchor] = target.split('#', 2);
    if (path === '') {
      if (anchor !== undefined && anchor !== '' && !headingAnchors(markdown).has(decodeURIComponent(anchor)))
        problems.push(`${target}: no heading with that anchor in ${file}`);
      continue;
    }
    const resolved = resolve(base, dirname(file), decodeURIComponent(path));
    const inside = relative(base, resolved);
    if (inside.startsWith('..') || isAbsolute(inside) || isAbsolute(path) || /^[a-z][a-z0-9+.-]*:/i.test(path)) {
      problems.push(`${target}: outside the repository`);
    } else if (!existsSync(resolved)) {
      problems.push(`${target}: no such file`);
    } else if (anchor && resolved.endsWith('.md')) {
      if (!headingAnchors(readFileSync(resolved, 'utf8')).has(decodeURIComponent(anchor)))
        problems.push(`${target}: no heading with that anchor in ${inside}`);
    }
  }
  return problems;
}

/** The text under the first heading that starts with `heading`, up to the next heading of its level or above. */
function section(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.startsWith(heading));
  if (start < 0) throw new Error(`no heading starting with "${heading}"`);
  const level = /^#+/.exec(heading)![0].length;
  const end = lines.findIndex(
    (line, index) => index > start && /^#+ /.test(line) && /^#+/.exec(line)![0].length <= level,
  );
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** The backticked names that open the rows of a section's tables: `| \`name\` | ...`. */
function rowNames(text: string): Map<string, string> {
  return new Map([...text.matchAll(/^\| `(\w+)` \|.*$/gm)].map((match) => [match[1]!, match[0]]));
}

describe('the link checker', () => {
  const sample = [
    '[inside](docs/rules.md) [up and out](../another-project/spec.md) [gone](docs/none.md)',
    '[web](https://example.org/x.md) [here](#a-heading) [nowhere](#no-heading) [bad anchor](docs/rules.md#no-such)',
    '[ref]: /etc/passwd',
    '`[code](not/a/link.md)`',
    '```sh',
    '[fenced](not/a/link/either.md)',
    '```',
    '## A heading',
  ].join('\n');

  it('reports links that leave the repository, miss their file or anchor, and nothing else', () => {
    expect(brokenLinks(root, 'README.md', sample)).toEqual([
      '../another-project/spec.md: outside the repository',
      'docs/none.md: no such file',
      '#no-heading: no heading with that anchor in README.md',
      'docs/rules.md#no-such: no heading with that anchor in docs/rules.md',
      '/etc/passwd: outside the repository',
    ]);
  });

  it('resolves a link from the folder of the file it is in', () => {
    expect(brokenLinks(root, 'docs/x.md', '[up](../README.md) [same folder](rules.md)')).toEqual([]);
    expect(brokenLinks(root, 'docs/x.md', '[wrong folder](docs/rules.md)')).toEqual(['docs/rules.md: no such file']);
  });

  it("makes GitHub's anchors", () => {
    expect(headingAnchors('## 8. `standing simulate`\n## What spec v1.1 defines\n# Twice\n# Twice')).toEqual(
      new Set(['8-standing-simulate', 'what-spec-v11-defines', 'twice', 'twice-1']),
    );
  });
});

describe('the docs stand on their own', () => {
  it('publishes the README, the rules and the decisions', () => {
    expect(docs).toEqual(expect.arrayContaining(['README.md', 'docs/rules.md', 'docs/decisions.md']));
  });

  for (const doc of docs) {
    it(`${doc}: every relative link resolves to a file inside the repository`, () => {
      expect(brokenLinks(root, doc, read(doc))).toEqual([]);
    });

    it(`${doc}: names no shared spec outside the repository, and no spec older than v1.1`, () => {
      const text = read(doc);
      expect(text).not.toMatch(/\.\.\/shared\b|shared\/spec/);
      expect(text).not.toMatch(/spec\/lifecycle\.md/);
      expect(text).not.toMatch(/\bspec v1(?![.\d])/);
    });
  }

  it('the README points to docs/rules.md and docs/decisions.md', () => {
    const targets = linkTargets(read('README.md')).map((target) => target.split('#')[0]);
    expect(targets).toEqual(expect.arrayContaining(['docs/rules.md', 'docs/decisions.md']));
  });

  it('docs/decisions.md points to docs/rules.md', () => {
    expect(linkTargets(read('docs/decisions.md')).map((target) => target.split('#')[0])).toContain('rules.md');
  });
});

describe('docs/rules.md', () => {
  const rules = read('docs/rules.md');
  const eventTypes = [...lifecycleEventTypes];

  it('has a row in the events table for every event type the schema defines', () => {
    expect(eventTypes.length).toBeGreaterThan(0);
    expect([...rowNames(section(rules, '## 3. Events')).keys()]).toEqual(expect.arrayContaining(eventTypes));
  });

  it('lists only event types the schema defines, and marks nothing not supported: standing implements spec v1.1', () => {
    expect(eventTypes).toEqual(expect.arrayContaining([...rowNames(section(rules, '## 3. Events')).keys()]));
    expect(rules).not.toMatch(/not supported yet/i);
  });

  it('has a row in the states table for every state, in order', () => {
    expect([...rowNames(section(rules, '### States')).keys()]).toEqual([...memberStates]);
  });

  it('has a row in the changes table for every change, in order', () => {
    expect([...rowNames(section(rules, '### Changes')).keys()]).toEqual([...changeNames]);
  });

  it('takes every state through the transitions table', () => {
    const transitions = section(rules, '### Transitions');
    for (const state of memberStates) expect(transitions, state).toMatch(new RegExp(`^\\| [^|]*\`${state}\``, 'm'));
  });

  it('runs the worked example on files that exist, with the --until of each expected output', () => {
    const example = section(rules, '## Worked example');
    const commands = /```sh\n([\s\S]*?)```/.exec(example)?.[1] ?? '';
    const files = [...commands.matchAll(/examples\/[\w.-]+/g)].map((match) => match[0]);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(existsSync(join(root, file)), file).toBe(true);
    const untils = [...commands.matchAll(/--until (\d{4}-\d{2}-\d{2})T/g)].map((match) => match[1]);
    const expected = readdirSync(join(root, 'examples'))
      .map((name) => /^monthly-billing\.until-(\d{4}-\d{2}-\d{2})\.expected\.json$/.exec(name)?.[1])
      .filter((date) => date !== undefined);
    expect(untils.sort()).toEqual(expected.sort());
  });
});
