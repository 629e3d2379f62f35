/**
 * Files the renderer reads at run time: fonts, templates, the format spec and the printed combiner. They are
 * found relative to the package root (the folder holding package.json), so the same code works from src/ under
 * tsx and from dist/src/ after the build, and in an installed package ("files" ships templates/ and docs/).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { InternalError } from '../errors.js';
import { packageRoot } from '../paths.js';

export { packageRoot };

/** Absolute path of a file under the package root. */
export function packageFile(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}

/** Reads a text file shipped with the package; a missing file is a bug in the package, not the user's input. */
export function readPackageText(...parts: string[]): string {
  const path = packageFile(...parts);
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new InternalError(`cannot read ${path}`, { cause: error });
  }
}

export interface FontFiles {
  /** DejaVu Sans Mono: every character a person types or a program reads (shares, envelope, commands, listing) */
  mono: string;
  monoBold: string;
  /** DejaVu Sans: prose */
  sans: string;
  sansBold: string;
}

/**
 * The embedded fonts. `fonts/` in the package wins when present; otherwise the `dejavu-fonts-ttf` dependency.
 * Embedded TrueType fonts carry a ToUnicode map, so the PDF's text layer is exactly the characters printed (the
 * PDF standard 14 fonts such as Courier are not embedded and their text extraction varies between readers).
 */
export function fontFiles(): FontFiles {
  const shipped = packageFile('fonts');
  let dir = shipped;
  if (!existsSync(join(shipped, 'DejaVuSansMono.ttf'))) {
    const require = createRequire(import.meta.url);
    dir = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
  }
  return {
    mono: join(dir, 'DejaVuSansMono.ttf'),
    monoBold: join(dir, 'DejaVuSansMono-Bold.ttf'),
    sans: join(dir, 'DejaVuSans.ttf'),
    sansBold: join(dir, 'DejaVuSans-Bold.ttf'),
  };
}
