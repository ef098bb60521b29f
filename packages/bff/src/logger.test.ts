import { describe, expect, it } from 'vitest';
import { jsonLogger, lineBatcher } from './logger.ts';

function capture(options?: Parameters<typeof jsonLogger>[1]) {
  const lines: string[] = [];
  const log = jsonLogger((line) => lines.push(line), options);
  return { log, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('jsonLogger', () => {
  it('writes one JSON object per line: level label, ISO time, service, the fields and msg; no hostname or pid', () => {
    const { log, lines, parsed } = capture();
    log({ level: 'info', msg: 'request', requestId: 'r-1', route: '/api/v1/summary', status: 200, latencyMs: 12 });
    log({ level: 'warn', msg: 'source unavailable', source: 'hospital-a', failure: 'timeout' });
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line.endsWith('\n') && !line.slice(0, -1).includes('\n')).toBe(true);
    const [first, second] = parsed();
    expect(first).toEqual({
      level: 'info',
      time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/) as unknown,
      service: 'care-sidebar-bff',
      msg: 'request',
      requestId: 'r-1',
      route: '/api/v1/summary',
      status: 200,
      latencyMs: 12,
    });
    expect(second).toMatchObject({ level: 'warn', source: 'hospital-a', failure: 'timeout' });
    expect(first).not.toHaveProperty('hostname');
    expect(first).not.toHaveProperty('pid');
  });

  it('redacts patient and credential fields should a caller ever pass them', () => {
    const { log, lines } = capture();
    log({
      level: 'error',
      msg: 'oops',
      nhsNumber: '9990000018',
      nhs_number: '9990000026',
      authorization: 'Bearer abc.def.ghi',
      token: 'abc.def.ghi',
      launch: 'jkl.mno.pqr',
      name: 'Alice Testpatient',
      requestId: 'r-2',
    });
    const text = lines.join('');
    for (const secret of ['9990000018', '9990000026', 'abc.def.ghi', 'jkl.mno.pqr', 'Alice']) {
      expect(text).not.toContain(secret);
    }
    expect(JSON.parse(text)).toMatchObject({ nhsNumber: '[redacted]', name: '[redacted]', requestId: 'r-2' });
  });

  it('redacts those fields one level down too, without changing the object passed in', () => {
    const { log, lines } = capture();
    const nested = { nhsNumber: '9990000018', token: 'abc.def.ghi', source: 'hospital-a' };
    log({ level: 'warn', msg: 'odd', detail: nested } as unknown as Parameters<typeof log>[0]);
    expect(lines.join('')).not.toMatch(/9990000018|abc\.def\.ghi/);
    expect(JSON.parse(lines.join(''))).toMatchObject({
      detail: { nhsNumber: '[redacted]', token: '[redacted]', source: 'hospital-a' },
    });
    expect(nested.nhsNumber).toBe('9990000018');
  });

  it('writes debug lines by default and drops lines below a chosen level', () => {
    const all = capture();
    all.log({ level: 'debug', msg: 'detail' });
    expect(all.parsed()[0]).toMatchObject({ level: 'debug', msg: 'detail' });
    const quiet = capture({ level: 'warn' });
    quiet.log({ level: 'info', msg: 'request' });
    quiet.log({ level: 'error', msg: 'broken' });
    expect(quiet.parsed().map((e) => e['msg'])).toEqual(['broken']);
  });

  it('writes the lines of one turn of the event loop together, in order, at the end of the turn', async () => {
    const chunks: string[] = [];
    const log = jsonLogger(lineBatcher((chunk) => chunks.push(chunk)));
    log({ level: 'info', msg: 'one' });
    log({ level: 'info', msg: 'two' });
    expect(chunks).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(chunks).toHaveLength(1);
    log({ level: 'info', msg: 'three' });
    await new Promise((resolve) => setImmediate(resolve));
    const lines = chunks.join('').trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['one', 'two', 'three']);
    expect(chunks).toHaveLength(2);
  });

  it('writes at once when a turn has gathered the limit', () => {
    const chunks: string[] = [];
    const write = lineBatcher((chunk) => chunks.push(chunk), 10);
    write('12345\n');
    expect(chunks).toEqual([]);
    write('67890\n');
    expect(chunks).toEqual(['12345\n67890\n']);
  });
});
