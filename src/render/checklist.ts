/**
 * The owner's checklist: who holds which sheet, the fingerprints, blank columns for seal serials and hand-over
 * dates, the date to re-check, "supersedes kit …" and how to retire an old kit. Words: templates/checklist/.
 */
import YAML from 'yaml';
import type { Kit } from '../core/kit.js';
import { InternalError } from '../errors.js';
import { readPackageText } from './assets.js';
import { KitDocument, type Paper } from './pdf.js';
import { fillString, type TemplateValues } from './template.js';
import { kitValues } from './values.js';
import { CHECKLIST_MARK } from '../core/printed-file.js';

interface ChecklistWords {
  title: string;
  intro: string;
  supersedes: string;
  /** printed when the kit was made with --no-check */
  unverified?: string;
  tableTitle: string;
  columns: Record<'number' | 'custodian' | 'fingerprint' | 'seal' | 'handed', string>;
  handOver: { title: string; steps: string[] };
  recheck: { title: string; text: string };
  retire: { title: string; steps: string[] };
}

export interface ChecklistOptions {
  paper: Paper;
  /** the kit id (any form) this kit replaces */
  supersedes?: string;
  /** made with --no-check */
  unverified?: boolean;
}

export function renderChecklist(kit: Kit, options: ChecklistOptions): KitDocument {
  const words = YAML.parse(readPackageText('templates', 'checklist', 'checklist.yaml')) as ChecklistWords;
  if (!Array.isArray(words.handOver?.steps) || !Array.isArray(words.retire?.steps)) {
    throw new InternalError('templates/checklist/checklist.yaml: handOver.steps and retire.steps must be lists');
  }
  // a kit id typed without its dash is shown as printed on the sheets: XXXX-XXXX
  const supersedes = options.supersedes?.trim().toUpperCase().replace(/^([0-9A-Z]{4})-?([0-9A-Z]{4})$/, '$1-$2');
  const values: TemplateValues = { ...kitValues(kit), supersedes, unverified: options.unverified === true };
  const t = (text: string) => fillString(text, values, 'templates/checklist/checklist.yaml');
  const pdf = new KitDocument({ paper: options.paper, title: `drkit owner's checklist, kit ${kit.kitIdDisplay}`, date: new Date(`${kit.createdOn}T00:00:00Z`), margin: 40 });

  pdf.paragraph(t(words.title), { font: 'sansBold', size: 17, after: 6 });
  pdf.paragraph(t(words.intro), { size: 10, after: 6 });
  if (supersedes !== undefined && supersedes !== '') {
    pdf.paragraph(t(words.supersedes), { font: 'sansBold', size: 10.5, after: 6 });
  }
  if (options.unverified === true && words.unverified !== undefined) pdf.paragraph(t(words.unverified), { font: 'sansBold', size: 10.5, after: 6 });

  // the table: sheet, holder, fingerprint, then blank columns to fill in by hand
  pdf.y += 4;
  pdf.paragraph(t(words.tableTitle), { font: 'sansBold', size: 13, after: 6 });
  const widths = [0.07, 0.38, 0.13, 0.21, 0.21].map((share) => share * pdf.contentWidth);
  const headers = [words.columns.number, words.columns.custodian, words.columns.fingerprint, words.columns.seal, words.columns.handed].map(t);
  const rowHeight = 30;
  const drawRow = (cells: string[], height: number, options: { bold?: boolean; mono?: boolean[] } = {}) => {
    pdf.ensure(height);
    let x = pdf.left;
    const top = pdf.y;
    cells.forEach((cell, index) => {
      const width = widths[index] ?? 0;
      pdf.doc.save().lineWidth(0.7).rect(x, top, width, height).stroke().restore();
      const mono = options.mono?.[index] ?? false;
      const font = options.bold ? 'sansBold' : mono ? 'monoBold' : 'sans';
      const size = options.bold ? 8.5 : 10.5;
      const lines = cell === '' ? [] : pdf.wrap(cell, font, size, width - 8);
      lines.forEach((lineText, lineIndex) => pdf.line(lineText, x + 4, top + 5 + lineIndex * size * 1.2, { font, size }));
      x += width;
    });
    pdf.y = top + height;
  };
  drawRow(headers, 24, { bold: true });
  for (const share of kit.shares) {
    drawRow([String(share.number), share.custodian, share.fingerprint, '', ''], rowHeight, { mono: [false, false, true, false, false] });
    // the contact details given at kit creation, small, under the name
    if (share.contact !== undefined) {
      const width = (widths[1] ?? 0) - 8;
      const [first = ''] = pdf.wrap(share.contact, 'sans', 7, width);
      pdf.line(first === share.contact ? first : `${first.replace(/.$/, '')}…`, pdf.left + (widths[0] ?? 0) + 4, pdf.y - 11, { size: 7, color: '#333333' });
    }
  }
  pdf.y += 12;

  const section = (title: string, steps: string[]) => {
    pdf.ensure(60);
    pdf.paragraph(t(title), { font: 'sansBold', size: 13, after: 5 });
    steps.forEach((step, index) => pdf.paragraph(t(step), { size: 10, hanging: `${index + 1}.`, after: 3 }));
    pdf.y += 6;
  };
  section(words.handOver.title, words.handOver.steps);
  pdf.ensure(60);
  pdf.paragraph(t(words.recheck.title), { font: 'sansBold', size: 13, after: 5 });
  pdf.paragraph(t(words.recheck.text), { size: 10, after: 9 });
  section(words.retire.title, words.retire.steps);
  // a footer on every page names the document whatever its words say: kit verify and recover recognise it by this
  const range = pdf.doc.bufferedPageRange();
  for (let index = 0; index < range.count; index++) {
    pdf.doc.switchToPage(range.start + index);
    const bottomMargin = pdf.doc.page.margins.bottom;
    pdf.doc.page.margins.bottom = 0;
    pdf.line(`${CHECKLIST_MARK}${kit.kitIdDisplay} · page ${index + 1} of ${range.count}`, pdf.left, pdf.pageHeight - 26, { size: 7.5, color: '#555555' });
    pdf.doc.page.margins.bottom = bottomMargin;
  }
  return pdf;
}
