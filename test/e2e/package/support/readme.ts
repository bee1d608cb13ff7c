/** Reading the README's library section: its TypeScript blocks and its option tables. */

const LIBRARY_HEADING = '## Using `@RateLimit()` in your own Nest app';

/** The library section: from its heading to the next `## ` heading. */
export function librarySection(readme: string): string {
  const start = readme.indexOf(LIBRARY_HEADING);
  if (start < 0) throw new Error(`README has no section "${LIBRARY_HEADING}"`);
  const next = readme.indexOf('\n## ', start + LIBRARY_HEADING.length);
  return readme.slice(start, next < 0 ? undefined : next);
}

/** The contents of every fenced ```ts block. */
export function typeScriptBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map(([, code]) => code!);
}

const backticked = (text: string) => [...text.matchAll(/`([^`]+)`/g)].map(([, name]) => name!);

/**
 * Each table of the section, keyed by the type it documents: the last backticked type name
 * (`RateLimitOptions`) in the paragraph just before it. The values: the backticked names in the
 * first column, one or more per row (`limit` + `windowMs`).
 */
export function optionTables(section: string): Record<string, string[]> {
  const tables: Record<string, string[]> = {};
  const paragraphs = section.split(/\n\s*\n/);
  paragraphs.forEach((paragraph, i) => {
    if (!paragraph.trimStart().startsWith('|')) return;
    const type = backticked(paragraphs[i - 1] ?? '')
      .filter((name) => /^[A-Z]\w+$/.test(name))
      .at(-1);
    if (type === undefined) return;
    const rows = paragraph.trim().split('\n').slice(2); // past the header and the |---| line
    tables[type] = rows.flatMap((row) => backticked(row.split('|')[1] ?? ''));
  });
  return tables;
}
