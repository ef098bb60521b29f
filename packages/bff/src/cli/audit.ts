import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { isValidNhsNumber } from '@care-sidebar/shared';
import { subjectAccessCsv } from '../audit/audit-export.ts';
import type { AuditEntry, AuditLog } from '../audit/audit-store.ts';
import { verifyChain } from '../audit/chain.ts';
import { openAuditStore } from '../audit/open-audit-store.ts';
import { AuditSchemaError } from '../audit/sqlite-audit-store.ts';
import { ConfigError, loadAuditConfig } from '../config/load.ts';

const USAGE = `usage: npm run audit -- <command> [options]   (store from CARE_SIDEBAR_CONFIG's audit.url)

  verify                        walk the hash chain; exit 0 when intact, 1 at the first broken link
  report --nhs-number <n>       "who viewed this record": CSV on stdout (the report is itself audited)
  purge [--before <date>]       delete records older than <date> (default: now − audit.retention.days);
                                needs IG sign-off; audited; verify still passes from the kept anchor
`;

/** Exit statuses: 0 ok, 1 the chain is broken, 2 usage, 69 store unavailable, 78 bad config. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The operator, as the audit records them: the OS account running the command (not verified by us). */
function operator(requestId: string): Omit<AuditEntry, 'action' | 'outcome' | 'detail'> {
  let name = 'unknown';
  try {
    name = userInfo().username;
  } catch {
    // No passwd entry (some containers): the record says unknown.
  }
  return {
    at: new Date(),
    requestId,
    user: { id: `os-user:${name}`, name, role: 'audit-cli' },
    userVerified: false,
    userAgent: 'care-sidebar audit CLI',
  };
}

export async function runAuditCli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<CliResult> {
  const [command, ...rest] = argv;
  let values: { 'nhs-number'?: string | undefined; before?: string | undefined; json?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args: [...rest],
      options: { 'nhs-number': { type: 'string' }, before: { type: 'string' }, json: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return { code: 2, stdout: '', stderr: `${(err as Error).message}\n${USAGE}` };
  }
  if (command !== 'verify' && command !== 'report' && command !== 'purge')
    return { code: 2, stdout: '', stderr: USAGE };

  let settings;
  try {
    settings = loadAuditConfig(env['CARE_SIDEBAR_CONFIG'] ?? './care-sidebar.config.json', env);
  } catch (err) {
    if (err instanceof ConfigError) return { code: 78, stdout: '', stderr: `care-sidebar audit: ${err.message}\n` };
    throw err;
  }

  let before: Date | undefined;
  if (command === 'report' && (values['nhs-number'] === undefined || !isValidNhsNumber(values['nhs-number'])))
    return { code: 2, stdout: '', stderr: `report needs --nhs-number with a valid 10-digit NHS number\n${USAGE}` };
  if (command === 'purge') {
    if (values.before !== undefined) {
      before = new Date(values.before);
      if (!/^\d{4}-\d{2}-\d{2}/.test(values.before) || Number.isNaN(before.getTime()))
        return { code: 2, stdout: '', stderr: `--before must be a date (YYYY-MM-DD or ISO 8601)\n${USAGE}` };
    } else if (settings.audit.retention.days !== null) {
      before = new Date(Date.now() - settings.audit.retention.days * 86_400_000);
    } else {
      return {
        code: 2,
        stdout: '',
        stderr: `audit.retention.days is null (keep for ever): name the cut-off with --before <date>\n${USAGE}`,
      };
    }
  }

  let store: AuditLog;
  try {
    store = await openAuditStore(settings.audit, {
      ...(settings.auditPassword !== undefined ? { password: settings.auditPassword } : {}),
      applicationName: 'care-sidebar-audit-cli',
    });
  } catch (err) {
    const code = err instanceof AuditSchemaError ? 78 : 69;
    return { code, stdout: '', stderr: `care-sidebar audit: cannot open the audit store: ${(err as Error).message}\n` };
  }
  try {
    const requestId = `cli-${crypto.randomUUID()}`;
    switch (command) {
      case 'verify': {
        const result = await verifyChain(store);
        const out = values.json ? `${JSON.stringify(result)}\n` : '';
        if (result.ok) {
          const range = result.from !== undefined ? ` (records ${result.from} to ${result.to})` : '';
          return {
            code: 0,
            stdout: out || `audit chain intact: ${result.records} records verified${range}\n`,
            stderr: '',
          };
        }
        return {
          code: 1,
          stdout: out,
          stderr: `audit chain BROKEN at record ${result.seq} (${result.problem}): ${result.message}; ${result.records} records verified before it\n`,
        };
      }
      case 'report': {
        const nhsNumber = values['nhs-number'] as string;
        const records = await store.query({ nhsNumber, limit: 1_000_000 });
        // The report is an access to the patient's audit: recorded before it is printed.
        await store.append({
          ...operator(requestId),
          action: 'audit-read',
          outcome: 'shown',
          nhsNumber,
          detail: { report: 'subject-access', format: 'csv', returned: records.length },
        });
        return { code: 0, stdout: subjectAccessCsv(records), stderr: '' };
      }
      case 'purge': {
        const cutoff = before as Date;
        const result = await store.purge(cutoff, { ...operator(requestId), outcome: 'shown' });
        return {
          code: 0,
          stdout: `purged ${result.purged} records older than ${cutoff.toISOString()}${
            result.throughSeq !== undefined ? ` (through record ${result.throughSeq})` : ''
          }; recorded as audit record ${result.record.seq}\n`,
          stderr: '',
        };
      }
    }
  } catch (err) {
    return { code: 69, stdout: '', stderr: `care-sidebar audit: the audit store failed: ${(err as Error).message}\n` };
  } finally {
    await store.close();
  }
}

if (import.meta.main) {
  const result = await runAuditCli(process.argv.slice(2), process.env);
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  process.exitCode = result.code;
}
