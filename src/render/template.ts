/**
 * The kit's printed words live in templates/ (guide.md, sheet.yaml, checklist.yaml) so a person can edit them
 * without touching code. This module fills them in and parses the Markdown-ish guide into blocks.
 *
 * Placeholders: `{{name}}` is replaced by a value; a value with line breaks becomes several source lines.
 * `{{#if name}}` … `{{/if}}` and `{{#unless name}}` … `{{/unless}}` on lines of their own keep or drop the lines
 * between (no nesting of the same name needed). `{{> name}}` on a line of its own inserts a generated block (the
 * combiner listing, the format spec). `{{pagebreak}}` starts a new page. `<!-- … -->` lines are notes for editors.
 * An unknown placeholder is an error, so a typo in a template cannot print "{{ownr}}" on paper.
 *
 * Blocks (one per source line unless said): `# `/`## `/`### ` headings; `1. ` numbered steps and `- ` bullets
 * (following lines indented by fewer than 4 spaces continue them); `$ ` commands (printed whole, monospace, never
 * wrapped); `LABEL: $ command` alternative commands; lines indented by 4 spaces: monospace, verbatim; `| … |`
 * table rows; anything else is prose, and consecutive prose lines form one paragraph. In prose, Markdown's
 * backticks and ** are dropped (the page shows the words, not the markup).
 */
import { InternalError } from '../errors.js';

export type TemplateValue = string | number | boolean | undefined | null;
export type TemplateValues = Readonly<Record<string, TemplateValue>>;

export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3; text: string }
  | { kind: 'para'; text: string }
  | { kind: 'step'; label: string; text: string }
  | { kind: 'bullet'; text: string }
  | { kind: 'command'; text: string }
  | { kind: 'alt-command'; label: string; text: string }
  | { kind: 'mono'; text: string }
  | { kind: 'table-row'; cells: string[] }
  | { kind: 'space' }
  | { kind: 'pagebreak' }
  | { kind: 'insert'; name: string };

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}/g;

function truthy(value: TemplateValue): boolean {
  return value !== undefined && value !== null && value !== false && value !== '' && value !== 0;
}

/** Replaces `{{name}}` in one string; unknown names throw. */
export function fillString(text: string, values: TemplateValues, where = 'template'): string {
  return text.replace(PLACEHOLDER, (_, name: string) => {
    if (!(name in values)) throw new InternalError(`${where}: unknown placeholder {{${name}}}`);
    const value = values[name];
    return value === undefined || value === null ? '' : String(value);
  });
}

/** Applies conditionals and placeholders to a whole template; returns the filled source text. */
export function fillTemplate(source: string, values: TemplateValues, where = 'template'): string {
  const out: string[] = [];
  const stack: { name: string; keep: boolean; tag: 'if' | 'unless' }[] = [];
  source.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    const open = /^\s*\{\{#(if|unless)\s+([A-Za-z][A-Za-z0-9_]*)\s*\}\}\s*$/.exec(line);
    if (open) {
      const tag = open[1] as 'if' | 'unless';
      const name = open[2] ?? '';
      if (!(name in values)) throw new InternalError(`${where} line ${index + 1}: unknown condition {{#${tag} ${name}}}`);
      const keep = tag === 'if' ? truthy(values[name]) : !truthy(values[name]);
      stack.push({ name, keep, tag });
      return;
    }
    const close = /^\s*\{\{\/(if|unless)\s*\}\}\s*$/.exec(line);
    if (close) {
      if (stack.pop()?.tag !== close[1]) throw new InternalError(`${where} line ${index + 1}: {{/${close[1]}}} without its opening`);
      return;
    }
    if (stack.some((frame) => !frame.keep)) return;
    if (/^\s*<!--.*-->\s*$/.test(line)) return;
    if (line.trim() === '{{pagebreak}}' || /^\s*\{\{>/.test(line)) { out.push(line.trim()); return; }
    out.push(fillString(line, values, `${where} line ${index + 1}`));
  });
  if (stack.length > 0) throw new InternalError(`${where}: {{#${stack[0]?.tag} ${stack[0]?.name}}} is never closed`);
  return out.join('\n');
}

/** Drops Markdown inline markup that should not reach paper. */
export function plainProse(text: string): string {
  return text.replace(/`/g, '').replace(/\*\*/g, '').replace(/\\\|/g, '|');
}

/** Parses filled guide text into blocks (see the module comment for the syntax). */
export function parseBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  let open: { kind: 'para' | 'step' | 'bullet'; label: string; parts: string[] } | null = null;
  const flush = () => {
    if (open === null) return;
    const joined = plainProse(open.parts.join(' ').replace(/\s+/g, ' ').trim());
    if (open.kind === 'para') blocks.push({ kind: 'para', text: joined });
    else if (open.kind === 'step') blocks.push({ kind: 'step', label: open.label, text: joined });
    else blocks.push({ kind: 'bullet', text: joined });
    open = null;
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') { flush(); blocks.push({ kind: 'space' }); continue; }
    const insert = /^\{\{>\s*([A-Za-z][A-Za-z0-9_-]*)\s*\}\}$/.exec(line.trim());
    if (insert) { flush(); blocks.push({ kind: 'insert', name: insert[1] ?? '' }); continue; }
    if (line.trim() === '{{pagebreak}}') { flush(); blocks.push({ kind: 'pagebreak' }); continue; }
    const heading = /^(#{1,3}) (.*)$/.exec(line);
    if (heading) {
      flush();
      blocks.push({ kind: 'heading', level: (heading[1]?.length ?? 1) as 1 | 2 | 3, text: plainProse(heading[2] ?? '') });
      continue;
    }
    if (line.startsWith('$ ')) { flush(); blocks.push({ kind: 'command', text: line.trimEnd() }); continue; }
    const alt = /^([A-Za-z][^$]{0,60}): (\$ .*)$/.exec(line);
    if (alt) { flush(); blocks.push({ kind: 'alt-command', label: plainProse(alt[1] ?? ''), text: (alt[2] ?? '').trimEnd() }); continue; }
    if (line.startsWith('    ')) { flush(); blocks.push({ kind: 'mono', text: line.slice(4).trimEnd() }); continue; }
    if (line.startsWith('|')) {
      flush();
      if (/^\|[\s|:-]+\|$/.test(line.trim())) continue; // the |---|---| separator row
      const cells = line.trim().replace(/^\||\|$/g, '').split(/(?<!\\)\|/).map((cell) => plainProse(cell.trim()));
      blocks.push({ kind: 'table-row', cells });
      continue;
    }
    const step = /^(\d+)\. (.*)$/.exec(line);
    if (step) { flush(); open = { kind: 'step', label: `${step[1]}.`, parts: [step[2] ?? ''] }; continue; }
    const bullet = /^- (.*)$/.exec(line);
    if (bullet) { flush(); open = { kind: 'bullet', label: '•', parts: [bullet[1] ?? ''] }; continue; }
    if (open !== null && (open.kind === 'para' || /^ {1,3}\S/.test(line))) { open.parts.push(line.trim()); continue; }
    flush();
    open = { kind: 'para', label: '', parts: [line.trim()] };
  }
  flush();
  // collapse runs of blank blocks
  return blocks.filter((block, index) => !(block.kind === 'space' && (index === 0 || blocks[index - 1]?.kind === 'space')));
}
