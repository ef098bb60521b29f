import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from './load.ts';

const ENV = { SESSION_SECRET: 'x'.repeat(32) };
const valid = {
  publicUrl: 'https://bff.example.nhs.uk',
  trustedIssuers: [{ issuer: 'https://gp.example', jwksUri: 'https://gp.example/.well-known/jwks.json' }],
  clinicalRoles: ['R8000'],
  sources: [
    {
      id: 'hospital-a',
      name: 'Hospital A',
      fhirBaseUrl: 'https://fhir.hospital-a.example/R4',
      timeoutMs: 3000,
      auth: { type: 'none' },
    },
  ],
  session: { ttlSeconds: 900, secretEnv: 'SESSION_SECRET' },
};

function faults(raw: unknown, env: Record<string, string> = ENV): readonly string[] {
  try {
    parseConfig(raw, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.faults;
    throw err;
  }
  return [];
}

describe('config', () => {
  it('accepts a valid file and fills documented defaults', () => {
    const config = parseConfig(valid, ENV);
    expect(config.port).toBe(8787);
    expect(config.cache).toEqual({ ttlSeconds: 60, maxBytes: 64 * 1024 * 1024 });
    expect(config.audit.url).toBe('sqlite:./data/audit.db');
    expect(config.sessionSecret).toHaveLength(32);
  });

  it('applies the default sensitive list, plus additions (also as a plain list), minus carve-outs', () => {
    const extra = { system: 'http://example.org/local', code: 'X1' };
    const hivLabel = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'HIV' };
    const has = (list: readonly { system: string; code: string }[], c: { system: string; code: string }) =>
      list.some((x) => x.system === c.system && x.code === c.code);
    const byDefault = parseConfig(valid, ENV).sensitivePolicy;
    expect(byDefault.codes.length).toBeGreaterThan(1000);
    expect(has(byDefault.securityLabels, hivLabel)).toBe(true);
    expect(has(parseConfig({ ...valid, sensitiveCodes: [extra] }, ENV).sensitivePolicy.codes, extra)).toBe(true);
    const carved = parseConfig(
      { ...valid, sensitiveCodes: { allow: [hivLabel], codes: [extra] } },
      ENV,
    ).sensitivePolicy;
    expect(has(carved.securityLabels, hivLabel)).toBe(false);
    expect(has(carved.codes, extra)).toBe(true);
    expect(
      parseConfig({ ...valid, sensitiveCodes: { useDefault: false, codes: [extra] } }, ENV).sensitivePolicy,
    ).toEqual({
      codes: [extra],
      securityLabels: [],
    });
    expect(faults({ ...valid, sensitiveCodes: [{ code: '1' }] })[0]).toMatch(/^sensitiveCodes/);
  });

  it('names a missing setting', () => {
    const { publicUrl: _omit, ...rest } = valid;
    expect(faults(rest)).toEqual(['publicUrl is required']);
  });

  it('names a wrong setting by its dotted path, and reports every fault at once', () => {
    const bad = {
      ...valid,
      sources: [valid.sources[0], { ...valid.sources[0], id: 'hospital-b', timeoutMs: -5 }],
      port: 'eighty',
    };
    const found = faults(bad);
    expect(found.some((f) => f.startsWith('sources[1].timeoutMs'))).toBe(true);
    expect(found.some((f) => f.startsWith('port'))).toBe(true);
  });

  it('requires https except on loopback hosts', () => {
    expect(faults({ ...valid, publicUrl: 'http://bff.example.nhs.uk' })[0]).toMatch(/^publicUrl must be an https: URL/);
    expect(faults({ ...valid, sources: [{ ...valid.sources[0], fhirBaseUrl: 'http://10.0.0.5/fhir' }] })[0]).toMatch(
      /^sources\[0\]\.fhirBaseUrl/,
    );
    expect(faults({ ...valid, trustedIssuers: [{ issuer: 'x', jwksUri: 'http://gp.example/jwks' }] })[0]).toMatch(
      /^trustedIssuers\[0\]/,
    );
    for (const host of ['127.0.0.1:9000', 'localhost', '[::1]:8080']) {
      expect(faults({ ...valid, publicUrl: `http://${host}` })).toEqual([]);
    }
  });

  it('refuses unknown settings, duplicate source ids and a bad auth block', () => {
    expect(faults({ ...valid, sesion: {} })[0]).toMatch(/unknown setting\(s\) sesion/);
    expect(faults({ ...valid, sources: [valid.sources[0], valid.sources[0]] })[0]).toMatch(
      /^sources\[1\]\.id duplicates/,
    );
    expect(
      faults({ ...valid, sources: [{ ...valid.sources[0], auth: { type: 'private_key_jwt' } }] }).some((f) =>
        f.startsWith('sources[0].auth'),
      ),
    ).toBe(true);
  });

  it('names the session secret variable when it is missing or short', () => {
    expect(faults(valid, {})).toEqual([
      'session.secretEnv names SESSION_SECRET, which must be set to a secret of at least 32 bytes',
    ]);
    expect(faults(valid, { SESSION_SECRET: 'short' })).toHaveLength(1);
  });

  it('reads the local opt-out list inline and from a file, naming bad lines', () => {
    const dir = mkdtempSync(join(tmpdir(), 'care-sidebar-optout-'));
    const file = join(dir, 'opt-out.txt');
    writeFileSync(file, '# local sharing objections\n999 000 0026\n\n9990000034  # added at reception\n');
    const config = parseConfig({ ...valid, optOut: { nhsNumbers: ['9990000018'], file } }, ENV);
    expect([...config.localOptOuts].sort()).toEqual(['9990000018', '9990000026', '9990000034']);
    writeFileSync(file, '9990000018\n9990000019\n');
    expect(faults({ ...valid, optOut: { file } })).toEqual([
      `optOut.file: line 2 of ${file} is not a valid NHS number`,
    ]);
    expect(faults({ ...valid, optOut: { nhsNumbers: ['123'] } })[0]).toMatch(/^optOut\.nhsNumbers\[0\]/);
    expect(faults({ ...valid, optOut: { file: join(dir, 'missing.txt') } })[0]).toMatch(
      /^optOut\.file: cannot read .*ENOENT/,
    );
  });

  it('reports an unreadable file and invalid JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'care-sidebar-config-'));
    expect(() => loadConfig(join(dir, 'missing.json'), ENV)).toThrow(/CARE_SIDEBAR_CONFIG: cannot read .*ENOENT/);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ "publicUrl": ');
    expect(() => loadConfig(broken, ENV)).toThrow(/is not valid JSON/);
  });
});
