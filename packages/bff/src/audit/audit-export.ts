import type { AuditRecord } from './audit-store.ts';

const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
const ODS_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';
const JOB_ROLE_SYSTEM = 'https://fhir.nhs.uk/CodeSystem/NHSDigital-SDS-JobRoleCode';
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';

/** Columns of the CSV export, in order. */
const CSV_COLUMNS = [
  'seq',
  'at',
  'requestId',
  'action',
  'outcome',
  'reason',
  'userId',
  'userName',
  'userRole',
  'userOrg',
  'userVerified',
  'issuer',
  'nhsNumber',
  'sections',
  'letterId',
  'sources',
  'clientAddress',
  'userAgent',
  'detail',
  'hash',
] as const;

/**
 * RFC 4180 quoting, and a leading `'` on cells a spreadsheet would run as a formula (OWASP CSV
 * injection): claimed names in refused launches are attacker-controlled.
 */
function csvCell(value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvRow(cells: readonly (string | number | boolean | undefined)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

export function auditCsv(records: readonly AuditRecord[]): string {
  const lines = [csvRow(CSV_COLUMNS)];
  for (const r of records) {
    lines.push(
      csvRow([
        r.seq,
        r.at.toISOString(),
        r.requestId,
        r.action,
        r.outcome,
        r.reason,
        r.user?.id,
        r.user?.name,
        r.user?.role,
        r.user?.org,
        r.userVerified,
        r.issuer,
        r.nhsNumber,
        r.sections ? JSON.stringify(r.sections) : undefined,
        r.letterId,
        r.sources ? JSON.stringify(r.sources) : undefined,
        r.clientAddress,
        r.userAgent,
        r.detail ? JSON.stringify(r.detail) : undefined,
        r.hash,
      ]),
    );
  }
  return lines.join('');
}

/** "Who viewed my record": one line per access, in words a patient can read. */
export function subjectAccessCsv(records: readonly AuditRecord[]): string {
  const what: Record<AuditRecord['action'], string> = {
    'session-start': 'opened the record',
    'summary-view': 'viewed the summary',
    'letter-open': 'opened a letter',
    'launch-refused': 'tried to open the record (refused)',
    'audit-read': 'read the access log',
    'audit-purge': 'deleted old access log entries',
  };
  const lines = [csvRow(['when', 'who', 'role', 'organisation', 'what', 'outcome', 'shown', 'identity checked'])];
  for (const r of records) {
    const shown = r.letterId
      ? `letter ${r.letterId}`
      : r.sections
        ? Object.entries(r.sections)
            .map(([k, n]) => `${k}: ${n}`)
            .join('; ')
        : '';
    lines.push(
      csvRow([
        r.at.toISOString(),
        r.user?.name ?? r.user?.id ?? 'unknown',
        r.user?.role,
        r.user?.org,
        what[r.action],
        r.reason ? `${r.outcome} (${r.reason})` : r.outcome,
        shown,
        r.userVerified ? 'yes' : 'no (claimed, unverified)',
      ]),
    );
  }
  return lines.join('');
}

/**
 * AuditEvent outcome (FHIR R4 audit-event-outcome): 0 success; 4 minor failure (shown with some
 * sources unavailable, or withheld because the patient opted out); 8 serious failure (refused);
 * 12 major failure (could not be done).
 */
function outcomeCode(r: AuditRecord): '0' | '4' | '8' | '12' {
  switch (r.outcome) {
    case 'shown':
      return r.sources?.some((s) => s.status === 'unavailable') ? '4' : '0';
    case 'started':
      return '0';
    case 'opted-out':
      return '4';
    case 'refused':
      return '8';
    case 'error':
      return '12';
  }
}

type Coding = { system: string; code: string; display?: string };

function eventType(r: AuditRecord): { type: Coding; subtype: Coding[]; action: 'C' | 'R' | 'E' | 'D' } {
  const rest: Coding = {
    system: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
    code: 'rest',
    display: 'RESTful Operation',
  };
  const interaction = (code: string): Coding => ({ system: 'http://hl7.org/fhir/restful-interaction', code });
  switch (r.action) {
    case 'session-start':
    case 'launch-refused':
      return {
        type: { system: DCM, code: '110114', display: 'User Authentication' },
        subtype: [{ system: DCM, code: '110122', display: 'Login' }],
        action: 'E',
      };
    case 'summary-view':
      return { type: rest, subtype: [interaction('search-type')], action: 'R' };
    case 'letter-open':
      return { type: rest, subtype: [interaction('read')], action: 'R' };
    case 'audit-read':
      return { type: rest, subtype: [interaction('search-type')], action: 'R' };
    case 'audit-purge':
      return { type: rest, subtype: [interaction('delete')], action: 'D' };
  }
}

export interface AuditEventSource {
  /** This BFF's public URL: the observer. */
  readonly observer: string;
}

/**
 * One record as a FHIR R4 AuditEvent, after the IHE Basic Audit Log Patterns (BALP): the user as
 * requesting agent (id, name, role) with their organisation, this BFF as source observer, the
 * patient as entity (NHS number identifier), the request id as a BALP XrequestId entity, and
 * purposeOfEvent TREAT for clinical views. https://profiles.ihe.net/ITI/BALP/
 */
export function toAuditEvent(r: AuditRecord, source: AuditEventSource): Record<string, unknown> {
  const { type, subtype, action } = eventType(r);
  const clinical = r.action === 'summary-view' || r.action === 'letter-open' || r.action === 'session-start';
  const unverified = r.userVerified ? [] : [{ url: 'urn:care-sidebar:audit:claims-unverified', valueBoolean: true }];
  const agents: Record<string, unknown>[] = [
    {
      ...(unverified.length ? { extension: unverified } : {}),
      type: {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
            code: 'IRCP',
            display: 'information recipient',
          },
        ],
      },
      ...(r.user?.role ? { role: [{ coding: [{ system: JOB_ROLE_SYSTEM, code: r.user.role }] }] } : {}),
      who: {
        ...(r.user?.id
          ? { identifier: { system: r.issuer ?? 'urn:care-sidebar:unknown-issuer', value: r.user.id } }
          : {}),
        display: r.user?.name ?? r.user?.id ?? 'unknown',
      },
      requestor: true,
      ...(r.clientAddress ? { network: { address: r.clientAddress, type: '2' } } : {}),
      ...(clinical ? { purposeOfUse: [{ coding: [treat] }] } : {}),
    },
  ];
  if (r.user?.org) {
    agents.push({
      type: {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/v3-RoleClass',
            code: 'PROV',
            display: 'healthcare provider',
          },
        ],
      },
      who: { identifier: { system: ODS_SYSTEM, value: r.user.org } },
      requestor: false,
    });
  }
  const entities: Record<string, unknown>[] = [];
  if (r.nhsNumber) {
    entities.push({
      what: { identifier: { system: NHS_NUMBER_SYSTEM, value: r.nhsNumber } },
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' },
      role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' },
    });
  }
  if (r.letterId) {
    entities.push({
      what: { identifier: { value: r.letterId }, display: 'DocumentReference' },
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
      role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '3', display: 'Report' },
    });
  }
  const details = [
    ...(r.sections ? [{ type: 'sections', valueString: JSON.stringify(r.sections) }] : []),
    ...(r.sources ? [{ type: 'sources', valueString: JSON.stringify(r.sources) }] : []),
    ...(r.detail
      ? [{ type: r.action === 'audit-read' ? 'filter' : 'detail', valueString: JSON.stringify(r.detail) }]
      : []),
    { type: 'seq', valueString: String(r.seq) },
    { type: 'hash', valueString: r.hash },
  ];
  entities.push({
    what: { identifier: { value: r.requestId } },
    type: { system: 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType', code: 'XrequestId' },
    ...(r.action === 'audit-read'
      ? { role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '24', display: 'Query' } }
      : {}),
    detail: details,
  });
  return {
    resourceType: 'AuditEvent',
    id: String(r.seq),
    type,
    subtype,
    action,
    recorded: r.at.toISOString(),
    outcome: outcomeCode(r),
    outcomeDesc: [r.outcome, r.reason, r.userVerified ? undefined : 'claims unverified'].filter(Boolean).join(': '),
    ...(clinical ? { purposeOfEvent: [{ coding: [treat] }] } : {}),
    agent: agents,
    source: {
      observer: { identifier: { value: source.observer }, display: 'care-sidebar BFF' },
      type: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/security-source-type',
          code: '4',
          display: 'Application Server',
        },
      ],
    },
    entity: entities,
  };
}

const treat = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT', display: 'treatment' };

export function auditBundle(
  records: readonly AuditRecord[],
  source: AuditEventSource,
  next?: string,
): Record<string, unknown> {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(next ? { link: [{ relation: 'next', url: next }] } : {}),
    entry: records.map((r) => ({ fullUrl: `urn:care-sidebar:audit:${r.seq}`, resource: toAuditEvent(r, source) })),
  };
}
