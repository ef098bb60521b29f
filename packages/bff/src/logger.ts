import { pino } from 'pino';

/**
 * Structured log lines. Callers pass ids, routes, statuses and timings only:
 * never NHS numbers, names, tokens or results (the audit store is the only record of who saw whom).
 */
export type LogEntry = { readonly level: 'debug' | 'info' | 'warn' | 'error'; readonly msg: string } & Readonly<
  Record<string, string | number | boolean | undefined>
>;
export type Logger = (entry: LogEntry) => void;

/**
 * Fields that must never be written, whoever passes them: a backstop behind the rule above, not a
 * licence to log them. Entries are flat, so top-level paths suffice; one nested level is covered too.
 */
export const REDACTED_FIELDS = ['nhsNumber', 'nhs_number', 'authorization', 'token', 'launch', 'name'] as const;

export interface JsonLoggerOptions {
  /** Lines below this level are dropped; `debug` by default (everything callers write). */
  readonly level?: LogEntry['level'];
}

/**
 * A writer that gathers the lines written in one turn of the event loop and hands them to `out`
 * together — one write (one system call, for stdout) per turn instead of one per line — at the end
 * of the turn, when 64 KB are waiting, or when the process exits, whichever is first. Only a
 * SIGKILL inside the turn can lose lines, and a log line is never the record of a view (the audit is).
 */
export function lineBatcher(out: (chunk: string) => void, maxChars = 64 * 1024): (line: string) => void {
  let pending = '';
  let timer: NodeJS.Immediate | undefined;
  const flush = () => {
    if (timer) clearImmediate(timer);
    timer = undefined;
    if (pending === '') return;
    const chunk = pending;
    pending = '';
    out(chunk);
  };
  process.on('exit', flush);
  return (line) => {
    pending += line;
    if (pending.length >= maxChars) flush();
    else timer ??= setImmediate(flush).unref();
  };
}

/**
 * One JSON object per line, through pino: `level` (label), `time` (ISO 8601), `service`, the entry's
 * fields, then `msg`. No hostname or pid: the platform adds where a line came from. By default to
 * stdout, the lines of each turn of the event loop written together (lineBatcher).
 */
export function jsonLogger(
  write: (line: string) => void = lineBatcher((chunk) => process.stdout.write(chunk)),
  options: JsonLoggerOptions = {},
): Logger {
  const logger = pino(
    {
      level: options.level ?? 'debug',
      base: { service: 'care-sidebar-bff' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      messageKey: 'msg',
    },
    { write },
  );
  return ({ level, msg, ...fields }) => logger[level](redacted(fields), msg);
}

const REDACTED: ReadonlySet<string> = new Set(REDACTED_FIELDS);
const CENSOR = '[redacted]';

/**
 * The entry with every REDACTED_FIELDS key — at the top level or one level down — replaced by
 * `[redacted]` (what pino's `redact` option did, without its cost on every line: entries are flat,
 * so this is usually one set lookup per field and no copy).
 */
function redacted(fields: Record<string, unknown>, depth = 0): Record<string, unknown> {
  let out = fields;
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    let replacement: unknown = value;
    if (REDACTED.has(key)) replacement = CENSOR;
    else if (depth === 0 && typeof value === 'object' && value !== null && !Array.isArray(value))
      replacement = redacted(value as Record<string, unknown>, 1);
    if (replacement !== value) {
      if (out === fields) out = { ...fields };
      out[key] = replacement;
    }
  }
  return out;
}

export const silentLogger: Logger = () => {};
