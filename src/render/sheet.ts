/**
 * A custodian's sheet: one page (two when the envelope is long), folded in three and sealed.
 *
 * Layout (portrait, three equal panels):
 * - top panel: the OUTSIDE. After folding it is the only printed part that shows: who keeps the sheet, which kit,
 *   when to open it, how many sheets are needed, who to contact, and boxes for the seal's serial number and a
 *   signature across the seal.
 * - fold 1 (between middle and bottom panel): the bottom panel folds up onto the middle one, print inside.
 * - fold 2 (between top and middle panel): the top panel folds backwards, so it faces out.
 * - middle and bottom panels: the INSIDE: the share (QR code and the share's text file, exactly as
 *   docs/format.md §5 prints it), what else is needed, the short restore steps, and the envelope (text and QR), so
 *   any k sheets are enough without the guide.
 *
 * The share's and the envelope's text files are printed whole, line by line, in DejaVu Sans Mono, so the text
 * layer holds them exactly (the self-test reads them back with pdftotext and compares bytes).
 */
import YAML from 'yaml';
import type { Kit, KitShare } from '../core/kit.js';
import { InternalError, UserError } from '../errors.js';
import { readPackageText } from './assets.js';
import { KitDocument, qrModules, type Paper } from './pdf.js';
import { fillString, type TemplateValues } from './template.js';
import { holderList, kitValues } from './values.js';

interface SheetWords {
  outside: Record<'title' | 'holder' | 'kit' | 'doNotOpen' | 'needed' | 'contact' | 'contactLine' | 'noContact' | 'sealSerial' | 'signature' | 'seal' | 'keep', string>;
  fold: Record<'howTo', string>;
  inside: Record<'title' | 'share' | 'shareNote' | 'fingerprints' | 'whatElse' | 'envelope' | 'envelopeNote' | 'qrShare' | 'qrEnvelope' | 'continued', string> & { steps: string[] };
}

export function loadSheetWords(): SheetWords {
  const words = YAML.parse(readPackageText('templates', 'sheet', 'sheet.yaml')) as SheetWords;
  if (!Array.isArray(words.inside?.steps)) throw new InternalError('templates/sheet/sheet.yaml: inside.steps must be a list');
  return words;
}

const SHARE_SIZE = 9.5;
const ENVELOPE_SIZE = 8.4;
const ENVELOPE_LEADING = 1.25;
const QR_MODULE = 1.7;

export interface SheetOptions {
  paper: Paper;
}

/** Renders the sheet of `share` into a KitDocument (not yet saved). */
export function renderSheet(kit: Kit, share: KitShare, options: SheetOptions, words: SheetWords = loadSheetWords()): KitDocument {
  const values: TemplateValues = {
    ...kitValues(kit),
    custodian: share.custodian,
    number: share.number,
    others: holderList(kit, share.number),
    needMore: kit.k - 1,
    paperSize: options.paper,
  };
  const t = (text: string) => fillString(text, values, 'templates/sheet/sheet.yaml');
  const pdf = new KitDocument({ paper: options.paper, title: `drkit sheet ${share.number} of ${kit.n}, kit ${kit.kitIdDisplay}`, date: new Date(`${kit.createdOn}T00:00:00Z`), margin: 30 });
  const panel = pdf.pageHeight / 3;
  const left = pdf.left;
  const width = pdf.contentWidth;

  // ---- outside panel -------------------------------------------------------------------------------------
  pdf.y = 34;
  pdf.paragraph(t(words.outside.title), { font: 'sansBold', size: 16, after: 1 });
  pdf.paragraph(t(words.outside.holder), { font: 'sansBold', size: 12.5, after: 1 });
  pdf.paragraph(t(words.outside.kit), { size: 9.5, after: 5 });
  const warnTop = pdf.y;
  pdf.y += 5;
  pdf.paragraph(t(words.outside.doNotOpen), { font: 'sansBold', size: 10, x: left + 8, width: width - 16, after: 2 });
  pdf.doc.save().lineWidth(1.5).rect(left, warnTop, width, pdf.y - warnTop).stroke().restore();
  pdf.y += 5;
  // the contact list grows with the number of holders: the largest size that leaves room for the boxes
  const boxHeight = 32;
  const boxTop = panel - boxHeight - 16;
  // one line per other holder, with the contact details given at kit creation: after a fire, reaching them is the hard part
  const contactLines = kit.shares.filter((other) => other.number !== share.number).map((other) => fillString(words.outside.contactLine, {
    ...values, holderName: other.custodian, holderNumber: other.number, holderContact: other.contact ?? t(words.outside.noContact),
  }, 'templates/sheet/sheet.yaml'));
  // one holder per line, in one column or two, at the largest readable size that fits; with very many holders and
  // long details, one running paragraph
  interface Item { text: string; grey?: boolean }
  const head: Item[] = [{ text: t(words.outside.needed) }, { text: t(words.outside.contact) }];
  const tail: Item[] = [{ text: t(words.outside.seal), grey: true }, { text: t(words.outside.keep), grey: true }];
  const gap = 10;
  const indent = 12;
  const columnWidth = (columns: number) => (width - indent - gap * (columns - 1)) / columns;
  const linesHeight = (items: readonly Item[], size: number, w: number, after: number) => items.reduce((sum, item) => sum + pdf.wrap(item.text, 'sans', size, w).length * size * 1.3 + after, 0);
  const contactItems = contactLines.map((text) => ({ text }));
  const half = Math.ceil(contactItems.length / 2);
  const contactHeight = (columns: number, size: number) => (columns === 1 ? linesHeight(contactItems, size, columnWidth(1) - 8, 0)
    : Math.max(linesHeight(contactItems.slice(0, half), size, columnWidth(2) - 8, 0), linesHeight(contactItems.slice(half), size, columnWidth(2) - 8, 0)));
  const listHeight = (columns: number, size: number) => linesHeight(head, size, width, 2) + contactHeight(columns, size) + 2 + linesHeight(tail, size, width, 2);
  const room = boxTop - 4 - pdf.y;
  const choice = [{ columns: 1, sizes: [9.5, 9, 8.5, 8, 7.5, 7] }, { columns: 2, sizes: [8, 7.5, 7, 6.5, 6] }]
    .map(({ columns, sizes }) => ({ columns, size: sizes.find((size) => listHeight(columns, size) <= room) }))
    .find((option) => option.size !== undefined);
  if (choice?.size !== undefined) {
    const size = choice.size;
    for (const item of head) pdf.paragraph(item.text, { size, after: 2 });
    const top = pdf.y;
    let bottom = top;
    const columns = choice.columns === 1 ? [contactItems] : [contactItems.slice(0, half), contactItems.slice(half)];
    columns.forEach((column, index) => {
      pdf.y = top;
      const x = left + indent + index * (columnWidth(choice.columns) + gap);
      for (const item of column) pdf.paragraph(item.text, { size, x, width: columnWidth(choice.columns), hanging: '•', after: 0 });
      bottom = Math.max(bottom, pdf.y);
    });
    pdf.y = bottom + 2;
    for (const item of tail) pdf.paragraph(item.text, { size, after: 2, color: '#333333' });
  } else {
    const items = [head[0] as Item, { text: `${t(words.outside.contact)} ${contactLines.join('; ')}.` }, ...tail];
    const size = [7, 6.5, 6, 5.5].find((candidate) => linesHeight(items, candidate, width, 2) <= room) ?? 5.5;
    for (const item of items) pdf.paragraph(item.text, { size, after: 2, ...(item.grey === true ? { color: '#333333' } : {}) });
  }
  if (pdf.y > boxTop) {
    throw new UserError('E_SHEET_LAYOUT', `sheet ${share.number}: the outside panel does not fit (owner "${kit.summary.owner.slice(0, 40)}", custodian "${share.custodian.slice(0, 40)}")`, {
      hints: ['use shorter names for the owner and the custodians (or shorten templates/sheet/sheet.yaml outside texts)'],
    });
  }
  pdf.box(left, boxTop, width * 0.36, boxHeight, t(words.outside.sealSerial));
  pdf.box(left + width * 0.40, boxTop, width * 0.60, boxHeight, t(words.outside.signature));

  // ---- fold marks: dashed lines across the page, short labels in the left margin; the how-to under fold 2 ----
  const foldMark = (y: number, label: string) => {
    pdf.rule(0, y, pdf.pageWidth, { dash: 4, color: '#777777', width: 0.6 });
    pdf.line(label, 3, y - 8, { size: 6, color: '#555555', maxWidth: left - 4 });
  };
  foldMark(panel, 'fold 2');
  foldMark(panel * 2, 'fold 1');
  pdf.y = panel + 3;
  pdf.paragraph(t(words.fold.howTo), { size: 6.5, color: '#555555', leading: 1.2, after: 0 });

  // ---- inside ------------------------------------------------------------------------------------------------
  pdf.y = Math.max(pdf.y + 3, panel + 14);
  pdf.paragraph(t(words.inside.title), { font: 'sansBold', size: 10.5, after: 4 });

  // share: QR on the left, the share's text file on the right
  pdf.paragraph(t(words.inside.share), { font: 'sansBold', size: 10, after: 3 });
  const shareTop = pdf.y;
  const qrSide = qrModules(share.qrPayload) * QR_MODULE;
  pdf.qr(share.qrPayload, left + 4 * QR_MODULE, shareTop + 2, QR_MODULE);
  const textX = left + qrSide + 10 * QR_MODULE;
  const shareLines = share.text.replace(/\n$/, '').split('\n');
  pdf.y = shareTop + 2;
  for (const lineText of shareLines) {
    // comment lines (header, fingerprints of up to 15 shares) shrink to fit beside the QR code
    const size = lineText.startsWith('#') ? Math.min(8, (pdf.right - textX) / (pdf.widthOf(lineText, 'mono', 1) + 0.01)) : SHARE_SIZE;
    pdf.monoLine(lineText, { x: textX, size, font: lineText.startsWith('#') ? 'mono' : 'monoBold', leading: 1.45 });
  }
  pdf.y += 2;
  pdf.paragraph(t(words.inside.shareNote), { x: textX, size: 8, color: '#333333', after: 0 });
  pdf.y = Math.max(pdf.y, shareTop + qrSide + 8 * QR_MODULE) + 4;

  function envelopeHeading(): void {
    pdf.paragraph(t(words.inside.envelope), { font: 'sansBold', size: 10, after: 1 });
    pdf.paragraph(t(words.inside.envelopeNote), { size: 8, color: '#333333', after: 3 });
  }

  // what else is needed and the short steps
  pdf.paragraph(t(words.inside.whatElse), { size: 8.3, leading: 1.25, after: 3 });
  words.inside.steps.forEach((step, index) => pdf.paragraph(t(step), { size: 8.3, leading: 1.25, hanging: `${index + 1}.`, after: 1.5 }));
  pdf.y += 6;

  // envelope: heading, then the text lines (one column, or two when one does not fit) on the left and the QR
  // code(s) on the right, kept together below fold 1 (a crease through a line makes it hard to read), or on page 2
  const [envHeader = '', ...envData] = kit.envelope.text.replace(/\n$/, '').split('\n');
  const envLead = ENVELOPE_SIZE * ENVELOPE_LEADING;
  const headerLead = 7.5 * 1.45;
  const envQrSides = kit.envelope.qrPayloads.map((payload) => qrModules(payload) * QR_MODULE);
  // the QR codes' right edge is the text's right edge: their right quiet zone lies in the page margin
  const qrWidth = Math.max(0, ...envQrSides) + 4 * QR_MODULE;
  const qrStack = envQrSides.reduce((sum, side) => sum + side + 8 * QR_MODULE, 0);
  const lineWidth = Math.max(...envData.map((line) => pdf.widthOf(line, 'mono', ENVELOPE_SIZE)));
  const columnGap = 14;
  const maxColumns = Math.max(1, Math.min(2, Math.floor((width - qrWidth - 6 + columnGap) / (lineWidth + columnGap))));
  const blockHeight = (columns: number) => Math.max(headerLead + Math.ceil(envData.length / columns) * envLead, qrStack) + 4;
  const headingHeight = 27.5;
  const foldY = panel * 2;
  let columns = 0;
  for (let c = 1; c <= maxColumns && columns === 0; c++) {
    if (pdf.y + headingHeight <= foldY + 2 && foldY + 8 + blockHeight(c) <= pdf.bottom) {
      columns = c;
      envelopeHeading(); // heading above the fold, lines below
      pdf.y = Math.max(pdf.y, foldY + 8);
    } else if (Math.max(pdf.y, foldY + 8) + headingHeight + blockHeight(c) <= pdf.bottom) {
      columns = c;
      pdf.y = Math.max(pdf.y, foldY + 8);
      envelopeHeading();
    }
  }
  if (columns === 0) {
    pdf.newPage();
    pdf.paragraph(t(words.inside.continued), { font: 'sansBold', size: 10, after: 8 });
    envelopeHeading();
    columns = blockHeight(1) <= pdf.bottom - pdf.y ? 1 : maxColumns;
  }
  const envTop = pdf.y;
  const rows = Math.ceil(envData.length / columns);
  if (envTop + blockHeight(columns) > pdf.bottom + 4) {
    throw new UserError('E_SHEET_LAYOUT', `the envelope (${envData.length} lines) does not fit on two pages of a sheet`, { hints: ['shorten the bundle\'s notes and onsite description'] });
  }
  // spread the lines out (easier to keep one's place while typing) when the page has room below them
  const spread = Math.min(1.6 * ENVELOPE_SIZE, Math.max(envLead, (pdf.bottom - envTop - headerLead - 4) / rows));
  pdf.line(envHeader, left, envTop, { font: 'mono', size: 7.5, maxWidth: width - qrWidth });
  envData.forEach((lineText, index) => {
    const column = Math.floor(index / rows);
    pdf.line(lineText, left + column * (lineWidth + columnGap), envTop + headerLead + (index % rows) * spread, { font: 'mono', size: ENVELOPE_SIZE });
  });
  let qrY = envTop;
  kit.envelope.qrPayloads.forEach((payload, index) => {
    const side = envQrSides[index] ?? 0;
    pdf.qr(payload, pdf.right - side, qrY + 4 * QR_MODULE, QR_MODULE);
    qrY += side + 8 * QR_MODULE;
  });
  pdf.y = Math.max(envTop + blockHeight(columns), envTop + headerLead + rows * spread);
  if (pdf.page > 2) throw new InternalError(`sheet ${share.number}: needs ${pdf.page} pages, at most 2`);
  return pdf;
}
