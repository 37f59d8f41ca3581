/**
 * The glyph ranges Safeground serves, in a module of their own with no I/O, so the web app can
 * carry the same ranges in an area package for labels offline.
 */

/** First code points of the 256-glyph ranges held: Latin-1, Latin Extended-A and -B with IPA (ə), Cyrillic, Armenian, punctuation. */
export const GLYPH_RANGES = [0, 256, 512, 1024, 1280, 8192] as const;
