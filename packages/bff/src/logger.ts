/**
 * Structured log lines. Callers pass ids, routes, statuses and timings only:
 * never NHS numbers, names, tokens or results (the audit store is the only record of who saw whom).
 */
export type LogEntry = { readonly level: 'debug' | 'info' | 'warn' | 'error'; readonly msg: string } & Readonly<
  Record<string, string | number | boolean | undefined>
>;
export type Logger = (entry: LogEntry) => void;

export function jsonLogger(write: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  return (entry) => write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
}

export const silentLogger: Logger = () => {};
