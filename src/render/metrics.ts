/**
 * The printed listing's type metrics, apart from the renderer so that a reader of the guide's text layer (the
 * drill, the kit's self-test) needs them without loading pdfkit (about 0.2 s of a drill's start).
 */

/** DejaVu Sans Mono's advance width: 1233/2048 em for every character. */
export const MONO_ADVANCE = 1233 / 2048;

export const COMMAND_SIZE = 8;
export const LISTING_SIZE = 8;
/** the listing's character width in points: `pdftotext -layout -fixed` takes it */
export const LISTING_PITCH = LISTING_SIZE * MONO_ADVANCE;
