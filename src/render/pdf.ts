/**
 * A thin layer over pdfkit with the rules every kit PDF follows:
 *
 * - Text is drawn one printed line at a time (`lineBreak: false`); this module does its own word wrapping, at
 *   spaces only, so no line is ever broken at a hyphen and no soft hyphen is inserted. Every line drawn is
 *   recorded in `printed`, so tests can compare the PDF's text layer with what was meant to be printed.
 * - Fonts are embedded TrueType (DejaVu Sans Mono for anything typed or read by a program, DejaVu Sans for
 *   prose), with ligatures and contextual alternates off, so the text layer holds the same characters as the
 *   page. A character the font has no glyph for is a bug (it would print as a box): it throws.
 * - A monospace line that must stay whole (a command) and does not fit the width throws rather than wrap.
 * - QR codes are vector rectangles from qrcode's module matrix (error correction M, alphanumeric mode).
 */
import { createWriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { InternalError, UserError } from '../errors.js';
import { fontFiles } from './assets.js';
import { MONO_ADVANCE } from './metrics.js';

export type Paper = 'a4' | 'letter';
export const PAPER_SIZES: Record<Paper, readonly [number, number]> = { a4: [595.28, 841.89], letter: [612, 792] };

export type FontName = 'mono' | 'monoBold' | 'sans' | 'sansBold';


/** One line as drawn: the text layer of page `page` must contain `text` (spaces compared as runs). */
export interface PrintedLine {
  page: number;
  font: FontName;
  text: string;
}

/**
 * OpenType features switched off for every run: no ligatures (fi, fl …), no contextual alternates, and no kerning
 * or mark positioning either (plain Latin text needs none, and shaping them dominated rendering time).
 */
const NO_LIGATURES = {
  liga: false, clig: false, dlig: false, hlig: false, rlig: false, calt: false, rclt: false, ccmp: false, locl: false,
  kern: false, mark: false, mkmk: false, curs: false, dist: false, rvrn: false,
};

interface GlyphChecker { hasGlyphForCodePoint(codePoint: number): boolean }
interface Fontkit { openSync(path: string): GlyphChecker }

let glyphCheckers: Record<FontName, GlyphChecker> | undefined;

function checkers(): Record<FontName, GlyphChecker> {
  if (glyphCheckers) return glyphCheckers;
  // fontkit is pdfkit's own font engine; resolve it from pdfkit so we use the very same copy
  const require = createRequire(import.meta.url);
  const fontkit = createRequire(require.resolve('pdfkit'))('fontkit') as Fontkit;
  const files = fontFiles();
  glyphCheckers = {
    mono: fontkit.openSync(files.mono), monoBold: fontkit.openSync(files.monoBold),
    sans: fontkit.openSync(files.sans), sansBold: fontkit.openSync(files.sansBold),
  };
  return glyphCheckers;
}

/** Characters of `text` that `font` cannot draw. */
const glyphKnown = new Map<string, boolean>();

export function missingGlyphs(text: string, font: FontName): string[] {
  return [...new Set([...text])].filter((char) => {
    if (char === ' ') return false;
    const key = `${font}:${char}`;
    let has = glyphKnown.get(key);
    if (has === undefined) {
      has = checkers()[font].hasGlyphForCodePoint(char.codePointAt(0) ?? 0);
      glyphKnown.set(key, has);
    }
    return !has;
  });
}

export interface DocumentOptions {
  paper: Paper;
  title: string;
  /** the kit's date: written as the PDF's creation date, so output is reproducible */
  date: Date;
  margin?: number;
}

export interface TextOptions {
  font?: FontName;
  size?: number;
  color?: string;
}

export interface ParagraphOptions extends TextOptions {
  x?: number;
  width?: number;
  /** line height as a multiple of the size */
  leading?: number;
  /** text drawn before the first line (a step number, a bullet), in the same font; later lines align after it */
  hanging?: string;
  /** space after the paragraph, in points */
  after?: number;
}

export class KitDocument {
  readonly doc: PDFKit.PDFDocument;
  readonly pageWidth: number;
  readonly pageHeight: number;
  readonly margin: number;
  readonly printed: PrintedLine[] = [];
  page = 1;
  /** the top of the next line of flowing text */
  y: number;
  /** called after a page is added by flowing text (e.g. to draw a running header) */
  onNewPage: (() => void) | undefined;

  constructor(options: DocumentOptions) {
    const [width, height] = PAPER_SIZES[options.paper];
    this.pageWidth = width;
    this.pageHeight = height;
    this.margin = options.margin ?? 40;
    this.doc = new PDFDocument({
      size: [width, height],
      margin: this.margin,
      autoFirstPage: true,
      bufferPages: true,
      info: { Title: options.title, Creator: 'drkit', Producer: 'drkit', CreationDate: options.date, ModDate: options.date },
    });
    const files = fontFiles();
    this.doc.registerFont('mono', files.mono);
    this.doc.registerFont('monoBold', files.monoBold);
    this.doc.registerFont('sans', files.sans);
    this.doc.registerFont('sansBold', files.sansBold);
    this.y = this.margin;
  }

  get left(): number { return this.margin; }
  get right(): number { return this.pageWidth - this.margin; }
  get contentWidth(): number { return this.pageWidth - 2 * this.margin; }
  get bottom(): number { return this.pageHeight - this.margin; }

  /**
   * The printed width of `text`. Monospace: characters × advance. Prose: the sum of its words' widths (each laid
   * out once, cached) and its spaces; kerning across a space is not applied by fontkit, so this is exact enough
   * to wrap lines and far faster than laying out every candidate line.
   */
  widthOf(text: string, font: FontName, size: number): number {
    if (font === 'mono' || font === 'monoBold') return [...text].length * MONO_ADVANCE * size;
    let cache = this.widthCache.get(font);
    if (cache === undefined) { cache = new Map(); this.widthCache.set(font, cache); }
    let units = 0;
    const parts = text.split(/( )/);
    for (const part of parts) {
      if (part === '') continue;
      let width = cache.get(part);
      if (width === undefined) {
        this.doc.font(font).fontSize(1000);
        width = this.doc.widthOfString(part, { features: NO_LIGATURES } as unknown as PDFKit.Mixins.TextOptions) / 1000;
        cache.set(part, width);
      }
      units += width;
    }
    return units * size;
  }

  private readonly widthCache = new Map<FontName, Map<string, number>>();

  /** Draws one line at (x, y) (y = top of the line box). Throws when it is wider than maxWidth. */
  line(text: string, x: number, y: number, options: TextOptions & { maxWidth?: number } = {}): number {
    const font = options.font ?? 'sans';
    const size = options.size ?? 10;
    if (/[\n\r\u00ad]/.test(text)) throw new InternalError(`a printed line holds a line break or soft hyphen: ${JSON.stringify(text)}`);
    const missing = missingGlyphs(text, font);
    if (missing.length > 0) {
      // names and descriptions come from the user: a script the embedded font lacks (e.g. CJK) cannot be printed
      throw new UserError('E_UNPRINTABLE', `cannot print ${missing.map((c) => `'${c}'`).join(', ')} in "${text.length > 60 ? `${text.slice(0, 57)}…` : text}": the kit's font (DejaVu) has no such character`, {
        hints: ['write custodian names, the owner and the onsite description in Latin, Greek or Cyrillic letters'],
      });
    }
    const width = this.widthOf(text, font, size);
    if (options.maxWidth !== undefined && width > options.maxWidth + 0.01) {
      throw new InternalError(`line does not fit (${width.toFixed(1)} > ${options.maxWidth.toFixed(1)} pt): ${text}`);
    }
    if (text.trim() !== '') {
      this.doc.font(font).fontSize(size).fillColor(options.color ?? '#000000');
      this.doc.text(text, x, y, { lineBreak: false, features: NO_LIGATURES } as unknown as PDFKit.Mixins.TextOptions);
      this.printed.push({ page: this.page, font, text });
    }
    return width;
  }

  /** Splits prose into lines no wider than `width`, at spaces only (a word wider than a line is split by characters). */
  wrap(text: string, font: FontName, size: number, width: number): string[] {
    const words = text.split(/ +/).filter((word) => word !== '');
    const lines: string[] = [];
    let current = '';
    for (const word of words) {
      const candidate = current === '' ? word : `${current} ${word}`;
      if (this.widthOf(candidate, font, size) <= width) {
        current = candidate;
        continue;
      }
      if (current !== '') lines.push(current);
      current = word;
      while (this.widthOf(current, font, size) > width) {
        let cut = current.length - 1;
        while (cut > 1 && this.widthOf(current.slice(0, cut), font, size) > width) cut--;
        lines.push(current.slice(0, cut));
        current = current.slice(cut);
      }
    }
    if (current !== '') lines.push(current);
    return lines;
  }

  /** Starts a new page when fewer than `height` points are left. */
  ensure(height: number): void {
    if (this.y + height > this.bottom) this.newPage();
  }

  newPage(): void {
    this.doc.addPage();
    this.page += 1;
    this.y = this.margin;
    this.onNewPage?.();
  }

  /** Flowing prose (or monospace) paragraph at this.y, wrapped to the width, breaking pages between lines. */
  paragraph(text: string, options: ParagraphOptions = {}): void {
    const font = options.font ?? 'sans';
    const size = options.size ?? 10;
    const x = options.x ?? this.left;
    const width = options.width ?? this.right - x;
    const lineHeight = size * (options.leading ?? 1.3);
    const hanging = options.hanging ?? '';
    const indent = hanging === '' ? 0 : this.widthOf(`${hanging} `, font, size);
    const lines = this.wrap(text, font, size, width - indent);
    lines.forEach((lineText, index) => {
      this.ensure(lineHeight);
      if (index === 0 && hanging !== '') {
        this.line(`${hanging} ${lineText}`, x, this.y, { ...options, font, size });
      } else {
        this.line(lineText, x + indent, this.y, { ...options, font, size });
      }
      this.y += lineHeight;
    });
    this.y += options.after ?? size * 0.5;
  }

  /** A monospace line that must stay whole (a command, a data line): never wrapped; too wide throws. */
  monoLine(text: string, options: { x?: number; size?: number; font?: FontName; leading?: number; maxWidth?: number } = {}): void {
    const size = options.size ?? 9;
    const x = options.x ?? this.left;
    const lineHeight = size * (options.leading ?? 1.35);
    this.ensure(lineHeight);
    this.line(text, x, this.y, { font: options.font ?? 'mono', size, maxWidth: options.maxWidth ?? this.right - x });
    this.y += lineHeight;
  }

  /** Draws a QR code of `payload` (level M; alphanumeric mode unless said) with its top-left corner at (x, y). Returns its side. */
  qr(payload: string, x: number, y: number, moduleSize: number, mode: QrMode = 'alphanumeric'): number {
    const side = qrModules(payload, mode);
    const code = QRCode.create([qrSegment(payload, mode)], { errorCorrectionLevel: 'M' });
    const size = code.modules.size;
    if (size !== side) throw new InternalError('qr size changed between calls');
    const data = code.modules.data;
    this.doc.save().fillColor('#000000');
    for (let row = 0; row < size; row++) {
      let col = 0;
      while (col < size) {
        if (!data[row * size + col]) { col++; continue; }
        const start = col;
        while (col < size && data[row * size + col]) col++;
        this.doc.rect(x + start * moduleSize, y + row * moduleSize, (col - start) * moduleSize, moduleSize);
      }
    }
    this.doc.fill().restore();
    return size * moduleSize;
  }

  /** A thin box with a small label above its top-left corner. */
  box(x: number, y: number, width: number, height: number, label: string, options: { size?: number } = {}): void {
    const size = options.size ?? 7.5;
    this.line(label, x, y, { font: 'sans', size, color: '#333333' });
    this.doc.save().lineWidth(0.8).strokeColor('#000000').rect(x, y + size * 1.4, width, height - size * 1.4).stroke().restore();
  }

  rule(x1: number, y: number, x2: number, options: { dash?: number; color?: string; width?: number } = {}): void {
    this.doc.save().lineWidth(options.width ?? 0.5).strokeColor(options.color ?? '#000000');
    if (options.dash !== undefined) this.doc.dash(options.dash, { space: options.dash });
    this.doc.moveTo(x1, y).lineTo(x2, y).stroke();
    this.doc.undash().restore();
  }

  /** Writes the PDF to `path` and resolves when it is on disk. */
  async save(path: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      // private: a sheet holds a share, and the folder holds them all until they are handed out
      const out = createWriteStream(path, { mode: 0o600 });
      out.on('finish', () => resolve());
      out.on('error', reject);
      this.doc.pipe(out);
      this.doc.end();
    });
  }
}

/** alphanumeric for the kit's base32 payloads; byte for the combiner's source (plain ASCII) */
export type QrMode = 'alphanumeric' | 'byte';

/** The number of modules on a side of the QR code of `payload` (level M). */
export function qrModules(payload: string, mode: QrMode = 'alphanumeric'): number {
  return QRCode.create([qrSegment(payload, mode)], { errorCorrectionLevel: 'M' }).modules.size;
}

function qrSegment(data: string, mode: QrMode): QRCode.QRCodeSegment {
  return mode === 'byte' ? { data: new TextEncoder().encode(data), mode: 'byte' } : { data, mode: 'alphanumeric' };
}
