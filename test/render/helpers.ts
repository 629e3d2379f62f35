/**
 * Shared fixtures of the render tests: a kit made with fixed randomness and a fixed date (so the PDFs' text
 * layers are reproducible and can be compared with fixtures/golden/), and text-layer helpers.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BundleInput } from '../../src/core/bundle.js';
import { createKit, type Kit } from '../../src/core/kit.js';
import { seededLibrarySplit, seededRandom } from '../helpers/kit-fixtures.js';

/** The bundle of the golden kit (kept here, not shared, so the golden text layers change only with the renderer). */
export const GOLDEN_BUNDLE: BundleInput = {
  owner: 'Ann Example',
  repository: 's3:s3.us-west-004.backblazeb2.com/ann-example-backup',
  resticPassword: 'T8mqV3xKp2NcR7wYh4ZfL9sBd6GjE1uA',
  env: { AWS_ACCESS_KEY_ID: '0045f2a9c1b7e3d0000000007', AWS_SECRET_ACCESS_KEY: 'K004qW8eR2tY6uI0oP4aS8dF2gH6jK0' },
  repositoryId: '5e1f0c3a9b',
  onsite: 'USB disk "Backup" in the hall cupboard',
};

export const FIXED_DATE = new Date('2026-11-27T09:30:00Z');
export const CUSTODIANS = ['Ann Smith', 'Ben Jones', 'Cy Young', 'Dee Patel', 'Eve Moreau'];

/** contact details of the golden kit's custodians (one without, as the owner may not know them all) */
export const CONTACTS = ['ann@example.org, +44 20 7946 0001', '+44 20 7946 0002', undefined, '12 High Street, Oxford OX1 1AA', 'eve@example.org'];

export async function makeKit(options: { seed?: string; custodians?: string[]; contacts?: (string | undefined)[]; threshold?: number; bundle?: BundleInput } = {}): Promise<{ kit: Kit; passphrase: string }> {
  const seed = options.seed ?? 'render-golden';
  return createKit(options.bundle ?? GOLDEN_BUNDLE, {
    custodians: options.custodians ?? CUSTODIANS,
    ...(options.contacts === undefined ? {} : { contacts: options.contacts }),
    threshold: options.threshold ?? 3,
    random: seededRandom(seed),
    split: seededLibrarySplit(seed),
    now: FIXED_DATE,
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `drkit-${prefix}-`));
}

export function pdftotext(path: string, ...args: string[]): string {
  return execFileSync('pdftotext', [...args, '-enc', 'UTF-8', path, '-'], { encoding: 'utf8' });
}

/** Every QR payload zbarimg finds on every page of a PDF rendered at `dpi`. */
export function qrPayloads(path: string, dpi = 150): string[] {
  const dir = tempDir('qr');
  execFileSync('pdftoppm', ['-r', String(dpi), '-gray', path, join(dir, 'p')]);
  const out: string[] = [];
  for (const name of execFileSync('ls', [dir], { encoding: 'utf8' }).split('\n').filter((n) => n.endsWith('.pgm'))) {
    try {
      out.push(...execFileSync('zbarimg', ['--raw', '-q', join(dir, name)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter((l) => l !== ''));
    } catch { /* exit 4: no code on this page */ }
  }
  return out;
}

/** Text with runs of white space made single and lines trimmed, empty lines dropped. */
export function normalise(text: string): string {
  return text.replace(/\f/g, '\n').split('\n').map((line) => line.replace(/\s+/g, ' ').trim()).filter((line) => line !== '').join('\n');
}
