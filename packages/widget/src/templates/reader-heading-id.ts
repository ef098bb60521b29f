/** The letter reader's heading, which takes focus as a letter opens (kept apart so the reader can load lazily). */
export const READER_HEADING_ID = 'letter-reader-heading';
