/**
 * The fake GP clinical system: a patient list, a mock consultation and <care-sidebar>.
 * Choosing a patient asks the BFF's demo-only endpoint for a signed launch token (the
 * job a real host system does with its own key) and hands it to the sidebar.
 */
import '@care-sidebar/widget';
import { formatNhsNumber } from '@care-sidebar/shared';
import { gpPatients, type GpPatient } from './mocks/data/gp-patients.ts';
import {
  DEMO_CONTROLS_PATH,
  isSourceMode,
  SOURCE_MODES,
  sourceModeLabel,
  type SourceFaultState,
  type SourceMode,
} from './mocks/source-faults.ts';

const BFF_URL = (import.meta.env.VITE_BFF_URL || 'http://127.0.0.1:8787').replace(/\/+$/, '');

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`gp-page: #${id} is missing from index.html`);
  return el as T;
}

const list = byId<HTMLUListElement>('patient-list');
const sidebar = byId<HTMLElementTagNameMap['care-sidebar']>('care-sidebar');
const consultation = byId<HTMLElement>('consultation');
const noPatient = byId<HTMLElement>('no-patient');
const notes = byId<HTMLTextAreaElement>('notes');
const status = byId<HTMLElement>('launch-status');

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** NHS style date: 14-Mar-1946. */
function formatDate(iso: string): string {
  const [y, m, d] = iso.split('-');
  return `${d ?? ''}-${MONTHS[Number(m) - 1] ?? ''}-${y ?? ''}`;
}

function ageInYears(birthDate: string, today = new Date()): number {
  const [y = 0, m = 1, d = 1] = birthDate.split('-').map(Number);
  let age = today.getFullYear() - y;
  if (today.getMonth() + 1 < m || (today.getMonth() + 1 === m && today.getDate() < d)) age--;
  return age;
}

const GENDER: Readonly<Record<GpPatient['gender'], string>> = {
  female: 'Female',
  male: 'Male',
  other: 'Other',
  unknown: 'Unknown',
};

function displayName(p: GpPatient): string {
  return `${p.family.toUpperCase()}, ${p.given} (${p.title})`;
}

function setStatus(text: string, kind: 'info' | 'error' = 'info'): void {
  status.textContent = text;
  status.dataset['kind'] = kind;
}

// ------------------------------------------------------------ patient list

const buttons = new Map<string, HTMLButtonElement>();

for (const patient of gpPatients) {
  const li = document.createElement('li');
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'patient-button';
  button.dataset['nhsNumber'] = patient.nhsNumber;
  const name = document.createElement('span');
  name.className = 'name';
  name.textContent = displayName(patient);
  const born = document.createElement('span');
  born.className = 'meta';
  born.textContent = `Born ${formatDate(patient.birthDate)}`;
  const meta = document.createElement('span');
  meta.className = 'meta';
  const nhs = document.createElement('span');
  nhs.className = 'nhs-number';
  nhs.textContent = formatNhsNumber(patient.nhsNumber);
  meta.append('NHS No. ', nhs);
  button.append(name, born, meta);
  button.addEventListener('click', () => void selectPatient(patient));
  li.append(button);
  list.append(li);
  buttons.set(patient.nhsNumber, button);
}

// ------------------------------------------------------------ consultation and launch

/** Notes typed per patient in this browser tab (never sent anywhere). */
const notesByPatient = new Map<string, string>();
let current: GpPatient | undefined;
let run = 0;
let inFlight: AbortController | undefined;

notes.addEventListener('input', () => {
  if (current) notesByPatient.set(current.nhsNumber, notes.value);
});

function showConsultation(p: GpPatient): void {
  noPatient.hidden = true;
  consultation.hidden = false;
  byId('patient-name').textContent = `${p.title} ${p.given} ${p.family.toUpperCase()}`;
  byId('patient-dob').textContent = `${formatDate(p.birthDate)} (${ageInYears(p.birthDate)}y)`;
  byId('patient-gender').textContent = GENDER[p.gender];
  byId('patient-nhs-number').textContent = formatNhsNumber(p.nhsNumber);
  byId('patient-reason').textContent = p.reason;
  byId('patient-scenario').textContent = p.scenario;
  notes.value = notesByPatient.get(p.nhsNumber) ?? '';
}

async function problemTitle(res: Response): Promise<string> {
  try {
    const body: unknown = await res.json();
    if (typeof body === 'object' && body !== null && 'title' in body && typeof body.title === 'string')
      return body.title;
  } catch {
    // not JSON: fall through
  }
  return `HTTP ${res.status}`;
}

/** POST {BFF}/demo/launch-token: the BFF signs a launch JWT as the demo host system would. */
async function fetchLaunchToken(p: GpPatient, signal: AbortSignal): Promise<string> {
  const res = await fetch(`${BFF_URL}/demo/launch-token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ nhsNumber: p.nhsNumber, birthdate: p.birthDate }),
    signal,
  });
  if (!res.ok) throw new Error(await problemTitle(res));
  const body: unknown = await res.json();
  if (typeof body !== 'object' || body === null || !('launch' in body) || typeof body.launch !== 'string') {
    throw new Error('the BFF answered without a launch token');
  }
  return body.launch;
}

async function selectPatient(p: GpPatient): Promise<void> {
  const mine = ++run;
  inFlight?.abort();
  const abort = new AbortController();
  inFlight = abort;
  current = p;

  for (const [nhsNumber, button] of buttons) {
    if (nhsNumber === p.nhsNumber) button.setAttribute('aria-current', 'true');
    else button.removeAttribute('aria-current');
  }
  showConsultation(p);
  // Never leave the previous patient's hospital data beside this consultation while the new launch is fetched.
  sidebar.removeAttribute('launch');
  setStatus('Connecting to shared care record…');

  try {
    const launch = await fetchLaunchToken(p, abort.signal);
    if (mine !== run) return; // a newer selection owns the sidebar
    sidebar.setAttribute('launch', launch);
    setStatus('');
  } catch (err) {
    if (mine !== run || abort.signal.aborted) return;
    const reason = err instanceof Error ? err.message : String(err);
    setStatus(`Could not open the shared care record (${reason}). Is the BFF running at ${BFF_URL}?`, 'error');
  }
}

sidebar.setAttribute('bff-url', BFF_URL);

// A host re-launches when the sidebar's session runs out (the event carries no patient data).
sidebar.addEventListener('care-sidebar-session-expired', () => {
  if (current) void selectPatient(current);
});

// ------------------------------------------------------------ demo controls (not part of the GP system)

const demoControls = byId<HTMLElement>('demo-controls');
const demoSourceList = byId<HTMLElement>('demo-source-list');
const demoStatus = byId<HTMLElement>('demo-controls-status');

function isSourceFaultState(value: unknown): value is SourceFaultState {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['id'] === 'string' && typeof v['name'] === 'string' && isSourceMode(v['mode']);
}

async function demoRequest(path: string, init?: RequestInit): Promise<unknown> {
  const res = await fetch(path, { ...init, headers: { Accept: 'application/json', ...init?.headers } });
  const body: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    const message =
      typeof body === 'object' && body !== null && 'error' in body && typeof body.error === 'string'
        ? body.error
        : `HTTP ${res.status}`;
    throw new Error(message);
  }
  return body;
}

let refreshTimer: ReturnType<typeof setTimeout> | undefined;

/** One refresh after a burst of changes (arrow keys on a select change it at every press). */
function refreshSidebarSoon(): void {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => sidebar.refresh(), 300);
}

function sourceControl(source: SourceFaultState): HTMLElement {
  const row = document.createElement('div');
  row.className = 'demo-source';
  const id = `demo-source-${source.id}`;
  const label = document.createElement('label');
  label.htmlFor = id;
  label.textContent = source.name;
  const select = document.createElement('select');
  select.id = id;
  select.dataset['sourceId'] = source.id;
  select.setAttribute('aria-describedby', 'demo-controls-hint');
  for (const mode of SOURCE_MODES) {
    const option = document.createElement('option');
    option.value = mode;
    option.textContent = sourceModeLabel(mode);
    select.append(option);
  }
  select.value = source.mode;
  row.dataset['mode'] = source.mode;

  // Changes to one source are sent in order, so the last one chosen is the one that holds.
  let queue: Promise<void> = Promise.resolve();
  let confirmed: SourceMode = source.mode;
  select.addEventListener('change', () => {
    const mode = select.value;
    if (!isSourceMode(mode)) return;
    queue = queue.then(async () => {
      try {
        const body = await demoRequest(`${DEMO_CONTROLS_PATH}/${encodeURIComponent(source.id)}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ mode }),
        });
        confirmed = isSourceFaultState(body) ? body.mode : mode;
        row.dataset['mode'] = confirmed;
        demoStatus.dataset['kind'] = 'info';
        demoStatus.textContent = current
          ? `${source.name} is now: ${sourceModeLabel(confirmed)}. The sidebar was asked to refresh.`
          : `${source.name} is now: ${sourceModeLabel(confirmed)}. Choose a patient to see the effect.`;
        refreshSidebarSoon();
      } catch (err) {
        if (select.value === mode) select.value = confirmed;
        demoStatus.dataset['kind'] = 'error';
        demoStatus.textContent = `Could not change ${source.name} (${err instanceof Error ? err.message : String(err)}).`;
      }
    });
  });

  row.append(label, select);
  return row;
}

/** The controls exist only under `npm run demo`, whose dev server serves the endpoint; otherwise they stay hidden. */
async function setUpDemoControls(): Promise<void> {
  let sources: unknown;
  try {
    sources = await demoRequest(DEMO_CONTROLS_PATH);
  } catch {
    return;
  }
  if (!Array.isArray(sources) || !sources.every(isSourceFaultState) || sources.length === 0) return;
  demoSourceList.replaceChildren(...sources.map(sourceControl));
  demoControls.hidden = false;
}

void setUpDemoControls();
