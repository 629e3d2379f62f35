/**
 * The restore guide: one PDF, device-free, filled in with the kit's non-secret setup. Its words are
 * templates/guide/guide.md and templates/guide/errors.yaml; this module only lays them out and inserts the
 * generated parts: the typing commands for k shares, the combiner listing with per-line checks and the file's
 * SHA-256, the troubleshooting entries and the format spec (docs/format.md, read at render time).
 *
 * Machine-checkable parts (docs/format.md §10): commands are lines starting with "$ ", set in DejaVu Sans Mono,
 * never wrapped (a command too wide for the page is a bug and throws); the listing rows are set in one monospace
 * size at one x, so `pdftotext -layout -fixed <advance>` gives their columns exactly.
 */
import YAML from 'yaml';
import type { Kit } from '../core/kit.js';
import { InternalError } from '../errors.js';
import { readPackageText } from './assets.js';
import { combinerQrPayloads, combinerSeal, listingRows } from './listing.js';
import { COMMAND_SIZE, LISTING_PITCH, LISTING_SIZE } from './metrics.js';
import { KitDocument, missingGlyphs, qrModules, type Paper } from './pdf.js';
import { fillString, fillTemplate, parseBlocks, type Block, type TemplateValues } from './template.js';
import { kitValues } from './values.js';
import { GUIDE_MARK } from '../core/printed-file.js';


interface ErrorEntry { message: string; fix: string }
interface ErrorWords { combiner: ErrorEntry[]; gpg: ErrorEntry[]; restic: ErrorEntry[] }

export interface GuideOptions {
  paper: Paper;
  /** the full combiner's source (templates/recover/combine.py), read by the caller: printed as QR codes */
  combiner: string;
  /** the short combiner's source, printed as the listing to type (default: templates/recover/combine-short.py) */
  typedCombiner?: string;
  /** the canary the backups carry: its path as recorded (absolute) and its exact text */
  canary?: { path: string; text: string };
}

/** restic reads repositories of format 2 (its default since 0.14) from this version on */
export const RESTIC_MINIMUM = '0.14';

export interface GuideResult {
  pdf: KitDocument;
  /** the commands of the printed path (Part 2), as printed without "$ " */
  commands: string[];
  combinerSha256: string;
  /** the short combiner's seal as printed above the listing: the first 16 hex digits of its SHA-256 */
  typedCombinerSeal: string;
  /** the pages (1-based) holding the combiner's QR codes, in order: one code each */
  combinerQrPages: number[];
}

export function guideValues(kit: Kit, combiner: string, canary?: GuideOptions['canary'], typedCombiner = defaultTypedCombiner()): TemplateValues {
  const shareFiles = Array.from({ length: kit.k }, (_, index) => `share-${index + 1}.txt`);
  return {
    ...kitValues(kit),
    shareFiles: shareFiles.join(', '),
    typeShareCommands: shareFiles.map((file) => `$ nano ${file}`).join('\n'),
    combinerSha256: combinerSeal(combiner, false),
    typedCombinerSeal: combinerSeal(typedCombiner, false),
    typedCombinerLines: typedCombiner.replace(/\n$/, '').split('\n').length,
    // the printed path offers scanning the envelope only when the combiner reads QR payloads (DK1E… lines)
    combinerReadsQr: combiner.includes('DK1E'),
    resticMinimum: RESTIC_MINIMUM,
    combinerQrCount: combinerQrPayloads(combiner).length,
    combinerScanCommand: `zbarimg --raw -q ${combinerQrPayloads(combiner).map((_, i) => `combiner-${i + 1}.jpg`).join(' ')} > combine.py`,
    canary: canary !== undefined,
    canaryPath: canary?.path,
    canaryText: canary?.text.trim(),
  };
}

/**
 * docs/format.md as Part 7 prints it, for a future archivist: without its developer blocks (between
 * `<!-- developer -->` and `<!-- /developer -->`: project paths, build commands, test names). A project path or a
 * build command left outside such a block is a bug in the spec's text, and throws.
 */
export function printedSpec(markdown: string): string {
  const kept: string[] = [];
  let developer = false;
  for (const line of markdown.split('\n')) {
    if (line.trim() === '<!-- developer -->') { developer = true; continue; }
    if (line.trim() === '<!-- /developer -->') { developer = false; continue; }
    if (!developer) kept.push(line);
  }
  const text = kept.join('\n');
  const leak = /\b(?:src|test|fixtures|scripts|bench|templates|dist)\/|\bnpm\b|\bnpx\b|\.ts\b|node_modules/.exec(text);
  if (leak) throw new InternalError(`docs/format.md: "${leak[0]}" outside a developer block would be printed in the guide's Part 7`);
  return text;
}

/** The short combiner as shipped: the guide's typed listing. */
export function defaultTypedCombiner(): string {
  return readPackageText('templates', 'recover', 'combine-short.py');
}

export function renderGuide(kit: Kit, options: GuideOptions): GuideResult {
  const typedCombiner = options.typedCombiner ?? defaultTypedCombiner();
  const values = guideValues(kit, options.combiner, options.canary, typedCombiner);
  const source = fillTemplate(readPackageText('templates', 'guide', 'guide.md'), values, 'templates/guide/guide.md');
  const errors = YAML.parse(readPackageText('templates', 'guide', 'errors.yaml')) as ErrorWords;
  const pdf = new KitDocument({ paper: options.paper, title: `drkit restore guide, kit ${kit.kitIdDisplay}`, date: new Date(`${kit.createdOn}T00:00:00Z`), margin: 36 });
  const commands: string[] = [];
  const combinerQrPages: number[] = [];
  let part = '';

  const draw = (blocks: Block[], level: 'guide' | 'spec') => {
    for (const block of blocks) {
      switch (block.kind) {
        case 'heading': {
          const size = level === 'spec' ? [12, 10.5, 9.5][block.level - 1] ?? 9.5 : [18, 13.5, 11][block.level - 1] ?? 11;
          pdf.ensure(size * 4);
          pdf.y += block.level === 1 ? 0 : size * 0.5;
          pdf.paragraph(block.text, { font: 'sansBold', size, after: size * 0.35 });
          if (level === 'guide' && block.level === 2) part = block.text;
          break;
        }
        case 'para':
          pdf.paragraph(block.text, { size: level === 'spec' ? 8.5 : 10, after: 3 });
          break;
        case 'step':
          pdf.ensure(40);
          pdf.y += 3;
          pdf.paragraph(block.text, { size: 10, hanging: block.label, after: 3, font: 'sans' });
          break;
        case 'bullet':
          pdf.paragraph(block.text, { size: level === 'spec' ? 8.5 : 10, hanging: '•', x: pdf.left + 8, after: 2 });
          break;
        case 'command': {
          if (/ {2}|\t|[^\x20-\x7e]/.test(block.text)) {
            throw new InternalError(`guide command must be plain ASCII with single spaces: ${block.text}`);
          }
          const x = pdf.left + 6;
          pdf.ensure(COMMAND_SIZE * 1.8);
          pdf.doc.save().fillColor('#eeeeee').rect(x - 4, pdf.y - 2.5, pdf.right - x + 4, COMMAND_SIZE * 1.55).fill().restore();
          pdf.monoLine(block.text, { x, size: COMMAND_SIZE, font: 'monoBold', leading: 1.75 });
          if (part.startsWith('Part 2.')) commands.push(block.text.slice(2));
          break;
        }
        case 'alt-command':
          pdf.monoLine(`${block.label}: ${block.text}`, { x: pdf.left + 6, size: COMMAND_SIZE, leading: 1.75 });
          break;
        case 'mono': {
          const font = missingGlyphs(block.text, 'mono').length === 0 ? 'mono' : 'sans';
          const lines = pdf.wrap(block.text, font, 8, pdf.contentWidth - 14);
          for (const lineText of lines) pdf.monoLine(lineText, { x: pdf.left + 14, size: 8, font, leading: 1.35 });
          break;
        }
        case 'table-row':
          pdf.paragraph(block.cells.join('  ·  '), { size: 8.5, x: pdf.left + 8, after: 1.5 });
          break;
        case 'space':
          pdf.y += 3;
          break;
        case 'pagebreak':
          pdf.newPage();
          break;
        case 'insert':
          insert(block.name);
          break;
        default:
          throw new InternalError(`guide: unknown block ${JSON.stringify(block satisfies never)}`);
      }
    }
  };

  const insert = (name: string) => {
    switch (name) {
      case 'combiner-errors':
      case 'gpg-errors':
      case 'restic-errors': {
        const entries = errors[name.replace('-errors', '') as keyof ErrorWords];
        if (!Array.isArray(entries)) throw new InternalError(`templates/guide/errors.yaml: ${name} is missing`);
        for (const entry of entries) {
          pdf.ensure(36);
          for (const lineText of pdf.wrap(fillString(entry.message, values), 'mono', 7.8, pdf.contentWidth - 8)) {
            pdf.monoLine(lineText, { x: pdf.left + 4, size: 7.8, leading: 1.3 });
          }
          pdf.paragraph(fillString(entry.fix, values), { size: 9, x: pdf.left + 18, after: 5 });
        }
        break;
      }
      case 'combiner-listing': {
        const rowChars = Math.floor(pdf.contentWidth / LISTING_PITCH);
        const rows = listingRows(typedCombiner, rowChars);
        // the listing is never split across pages: one page to type from
        pdf.ensure(rows.length * LISTING_SIZE * 1.5 + LISTING_SIZE);
        for (const row of rows) {
          // the short combiner's rows fit one page, A4 or Letter, with room for the seal above
          pdf.monoLine(row, { x: pdf.left, size: LISTING_SIZE, leading: 1.5 });
        }
        break;
      }
      case 'combiner-qr': {
        const words = YAML.parse(readPackageText('templates', 'guide', 'words.yaml')) as { combinerQr: Record<'title' | 'text' | 'check', string> };
        const payloads = combinerQrPayloads(options.combiner);
        let firstLine = 1;
        payloads.forEach((payload, index) => {
          pdf.newPage();
          const lastLine = firstLine + payload.split('\n').length - 1;
          const partValues = { ...values, part: index + 1, parts: payloads.length, others: payloads.length - 1, first: firstLine, last: lastLine };
          pdf.paragraph(fillString(words.combinerQr.title, partValues), { font: 'sansBold', size: 13.5, after: 5 });
          pdf.paragraph(fillString(words.combinerQr.text, partValues), { size: 10, after: 4 });
          pdf.paragraph(fillString(words.combinerQr.check, partValues), { size: 8.5, color: '#333333', after: 10 });
          // as large as the page allows: a phone photo of the whole page must resolve every module
          const modules = qrModules(payload, 'byte') + 8;
          const moduleSize = Math.min(pdf.contentWidth / modules, (pdf.bottom - pdf.y - 20) / modules);
          pdf.qr(payload, pdf.left + (pdf.contentWidth - modules * moduleSize) / 2 + 4 * moduleSize, pdf.y + 4 * moduleSize, moduleSize, 'byte');
          combinerQrPages.push(pdf.page);
          firstLine = lastLine + 1;
        });
        break;
      }
      case 'format-spec':
        draw(parseBlocks(printedSpec(readPackageText('docs', 'format.md'))), 'spec');
        break;
      default:
        throw new InternalError(`templates/guide/guide.md: unknown insert {{> ${name}}}`);
    }
  };

  draw(parseBlocks(source), 'guide');

  // running footer on every page, written last so it can say "page N of M"
  const range = pdf.doc.bufferedPageRange();
  const pages = range.count;
  for (let index = 0; index < pages; index++) {
    pdf.doc.switchToPage(range.start + index);
    const saved = pdf.page;
    pdf.page = index + 1;
    const footer = `${GUIDE_MARK}${kit.kitIdDisplay} · ${kit.summary.owner} · page ${index + 1} of ${pages}`;
    // the footer sits in the bottom margin: pdfkit must not start a new page for it
    const bottomMargin = pdf.doc.page.margins.bottom;
    pdf.doc.page.margins.bottom = 0;
    pdf.line(footer, pdf.left, pdf.pageHeight - 26, { size: 7.5, color: '#555555' });
    pdf.doc.page.margins.bottom = bottomMargin;
    pdf.page = saved;
  }
  return { pdf, commands, combinerSha256: values.combinerSha256 as string, typedCombinerSeal: values.typedCombinerSeal as string, combinerQrPages };
}
