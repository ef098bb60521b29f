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
 * One JSON object per line, through pino: `level` (label), `time` (ISO 8601), `service`, the entry's
 * fields, then `msg`. No hostname or pid: the platform adds where a line came from.
 */
export function jsonLogger(
  write: (line: string) => void = (line) => process.stdout.write(line),
  options: JsonLoggerOptions = {},
): Logger {
  const logger = pino(
    {
      level: options.level ?? 'debug',
      base: { service: 'care-sidebar-bff' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      messageKey: 'msg',
      redact: { paths: REDACTED_FIELDS.flatMap((f) => [f, `*.${f}`]), censor: '[redacted]' },
    },
    { write },
  );
  return ({ level, msg, ...fields }) => logger[level](fields, msg);
}

export const silentLogger: Logger = () => {};
