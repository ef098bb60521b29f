import { type CodeRef, DEFAULT_SENSITIVE_POLICY, isValidNhsNumber, type SensitivePolicy } from '@care-sidebar/shared';
import { readFileSync } from 'node:fs';

import { type Config, type ConfigSettings, configSchema } from './schema.ts';

/** A configuration fault, naming every bad setting by its dotted path. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly faults: readonly string[];
  constructor(faults: readonly string[]) {
    super(`Invalid configuration:\n  ${faults.join('\n  ')}`);
    this.faults = faults;
  }
}

function dotted(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)),
    '',
  );
}

const MIN_SECRET_BYTES = 32;

function effectiveSensitivePolicy(settings: ConfigSettings['sensitiveCodes']): SensitivePolicy {
  const allowed = new Set(settings.allow.map((c) => `${c.system}|${c.code}`));
  const keep = (list: readonly CodeRef[]) => list.filter((c) => !allowed.has(`${c.system}|${c.code}`));
  const base = settings.useDefault ? DEFAULT_SENSITIVE_POLICY : { codes: [], securityLabels: [] };
  return {
    codes: keep([...base.codes, ...settings.codes]),
    securityLabels: keep([...base.securityLabels, ...settings.securityLabels]),
  };
}

function validate(raw: unknown): ConfigSettings {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const where = dotted(issue.path) || '(top level)';
        if (issue.code === 'unrecognized_keys') return `${where}: unknown setting(s) ${issue.keys.join(', ')}`;
        if (issue.code === 'invalid_type' && issue.input === undefined) return `${where} is required`;
        return `${where} ${issue.message}`;
      }),
    );
  }
  return parsed.data;
}

/** Validates a parsed config object and resolves the secrets it names from `env`. */
export function parseConfig(
  raw: unknown,
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): Config {
  const settings = validate(raw);
  const secret = env[settings.session.secretEnv];
  if (secret === undefined || Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
    throw new ConfigError([
      `session.secretEnv names ${settings.session.secretEnv}, which must be set to a secret of at least ${MIN_SECRET_BYTES} bytes`,
    ]);
  }
  const faults: string[] = [];
  const sourceKeys = new Map<string, string>();
  settings.sources.forEach((source, i) => {
    if (source.auth.type !== 'private_key_jwt') return;
    try {
      const pem = readFile(source.auth.privateKeyFile);
      if (!pem.includes('PRIVATE KEY-----'))
        throw Object.assign(new Error('not a PEM private key'), { code: 'not a PEM private key' });
      sourceKeys.set(source.id, pem);
    } catch (err) {
      faults.push(
        `sources[${i}].auth.privateKeyFile: cannot read a PEM private key from ${source.auth.privateKeyFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  });
  const localOptOuts = new Set(settings.optOut.nhsNumbers);
  if (settings.optOut.file !== undefined) {
    try {
      readFile(settings.optOut.file)
        .split(/\r?\n/)
        .map((line) => line.replace(/#.*/, '').replace(/\s/g, ''))
        .forEach((line, i) => {
          if (line === '') return;
          if (isValidNhsNumber(line)) localOptOuts.add(line);
          else faults.push(`optOut.file: line ${i + 1} of ${settings.optOut.file} is not a valid NHS number`);
        });
    } catch (err) {
      faults.push(
        `optOut.file: cannot read ${settings.optOut.file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  let auditPassword: string | undefined;
  if (settings.audit.passwordEnv !== undefined) {
    auditPassword = env[settings.audit.passwordEnv];
    if (auditPassword === undefined || auditPassword === '')
      faults.push(
        `audit.passwordEnv names ${settings.audit.passwordEnv}, which must be set to the audit database password`,
      );
  }
  if (faults.length) throw new ConfigError(faults);
  return {
    ...settings,
    sessionSecret: new TextEncoder().encode(secret),
    sourceKeys,
    localOptOuts,
    sensitivePolicy: effectiveSensitivePolicy(settings.sensitiveCodes),
    ...(auditPassword !== undefined ? { auditPassword } : {}),
  };
}

/** Reads and validates the JSON config file at `path`. */
export function loadConfig(path: string, env: Readonly<Record<string, string | undefined>>): Config {
  return parseConfig(readConfigFile(path), env);
}

/**
 * For the audit CLI: the whole file is validated, but only the audit store's secret is resolved
 * (an IG operator running `verify` needs no session secret or source keys).
 */
export function loadAuditConfig(
  path: string,
  env: Readonly<Record<string, string | undefined>>,
): { readonly audit: ConfigSettings['audit']; readonly publicUrl: string; readonly auditPassword?: string } {
  const settings = validate(readConfigFile(path));
  const name = settings.audit.passwordEnv;
  if (name === undefined) return { audit: settings.audit, publicUrl: settings.publicUrl };
  const auditPassword = env[name];
  if (auditPassword === undefined || auditPassword === '')
    throw new ConfigError([`audit.passwordEnv names ${name}, which must be set to the audit database password`]);
  return { audit: settings.audit, publicUrl: settings.publicUrl, auditPassword };
}

function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([
      `CARE_SIDEBAR_CONFIG: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    ]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([`${path} is not valid JSON: ${(err as Error).message}`]);
  }
  return raw;
}
