/**
 * The Custom Elements Manifest (packages/widget/custom-elements.json): committed, current, and
 * describing the element's public contract — the attributes, events, parts and custom properties
 * the README documents and the styles use. (That the running element has exactly these attributes,
 * parts and events is checked in hostile-host-page.e2e.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { REPO_ROOT } from './support/bff-process.ts';

const WIDGET = join(REPO_ROOT, 'packages/widget');

interface Named {
  readonly name: string;
  readonly description?: string;
}
interface Declaration {
  readonly kind: string;
  readonly name: string;
  readonly tagName?: string;
  readonly customElement?: boolean;
  readonly attributes?: readonly (Named & { readonly fieldName?: string })[];
  readonly events?: readonly Named[];
  readonly cssParts?: readonly Named[];
  readonly cssProperties?: readonly Named[];
  readonly members?: readonly (Named & { readonly kind: string; readonly privacy?: string })[];
}
interface Manifest {
  readonly schemaVersion: string;
  readonly modules: readonly {
    readonly path: string;
    readonly declarations?: readonly Declaration[];
    readonly exports?: readonly { readonly kind: string; readonly name: string }[];
  }[];
}

const pkg = JSON.parse(readFileSync(join(WIDGET, 'package.json'), 'utf8')) as { customElements?: string };
const manifest = JSON.parse(
  readFileSync(join(WIDGET, pkg.customElements ?? 'custom-elements.json'), 'utf8'),
) as Manifest;
const element = manifest.modules.flatMap((m) => m.declarations ?? []).find((d) => d.tagName === 'care-sidebar');
const names = (list: readonly Named[] | undefined) => (list ?? []).map((x) => x.name);

const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
const embedding = README.slice(
  README.indexOf('## Embedding the widget'),
  README.indexOf('\n## ', README.indexOf('## Embedding the widget') + 1),
);

describe('the Custom Elements Manifest of <care-sidebar>', () => {
  it('is committed where the widget package says, and is what the analyzer makes of the current source', () => {
    expect(pkg.customElements).toBe('custom-elements.json');
    expect(manifest.schemaVersion).toMatch(/^\d+\.\d+\.\d+$/);
    const check = spawnSync(process.execPath, ['scripts/custom-elements-manifest.ts', '--check'], {
      cwd: WIDGET,
      encoding: 'utf8',
    });
    expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
  });

  it('defines the care-sidebar tag from the package entry point', () => {
    const entry = manifest.modules.find((m) => m.path === 'src/care-sidebar.ts');
    expect(entry?.exports?.filter((e) => e.kind === 'custom-element-definition').map((e) => e.name)).toEqual([
      'care-sidebar',
    ]);
    expect(element).toMatchObject({ kind: 'class', name: 'CareSidebar', customElement: true });
  });

  it('lists the attributes bff-url and launch, with their properties', () => {
    expect(element?.attributes?.map((a) => [a.name, a.fieldName])).toEqual([
      ['bff-url', 'bffUrl'],
      ['launch', 'launch'],
    ]);
    for (const a of element?.attributes ?? []) expect(a.description, a.name).toBeTruthy();
  });

  it('lists the four events, the parts and the custom properties, each documented in the README', () => {
    expect(names(element?.events).sort()).toEqual([
      'care-sidebar-error',
      'care-sidebar-letter-opened',
      'care-sidebar-ready',
      'care-sidebar-session-expired',
    ]);
    expect(names(element?.cssParts).sort()).toEqual(['banner', 'flag', 'letter', 'letter-reader', 'result', 'section']);
    const properties = names(element?.cssProperties);
    expect(properties.length).toBeGreaterThanOrEqual(13);
    for (const p of properties) expect(p).toMatch(/^--care-sidebar-[a-z-]+$/);
    for (const name of [...names(element?.attributes), ...names(element?.events), ...properties]) {
      expect(embedding, `README "Embedding the widget" names ${name}`).toContain(`\`${name}\``);
    }
    for (const part of names(element?.cssParts)) expect(embedding).toContain(`\`${part}\``);
  });

  it('lists exactly the --care-sidebar-* properties the styles read', () => {
    const used = new Set<string>();
    for (const file of readdirSync(join(WIDGET, 'src')).filter((f) => f.endsWith('.styles.ts'))) {
      for (const m of readFileSync(join(WIDGET, 'src', file), 'utf8').matchAll(/var\(\s*(--care-sidebar-[a-z-]+)/g)) {
        used.add(m[1] as string);
      }
    }
    expect([...used].sort()).toEqual(names(element?.cssProperties).sort());
  });

  it('describes the public API only: refresh(), no private members', () => {
    const members = element?.members ?? [];
    expect(members.filter((m) => m.kind === 'method').map((m) => m.name)).toEqual(['refresh']);
    expect(members.filter((m) => m.privacy === 'private' || m.name.startsWith('#'))).toEqual([]);
  });
});
