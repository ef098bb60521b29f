import type { DiagnosticReport, DocumentReference, Identifier } from '@medplum/fhirtypes';
import type { LetterItem, ResultReport } from '../view-models.ts';

/**
 * Keys that say two sources reported the same thing, so a shared record shows it once.
 * A business identifier (accession number, document master identifier) is the strongest
 * evidence; without one, the same test or document on the same date with the same content is.
 */
export function identifierKeys(identifiers: readonly (Identifier | undefined)[]): string[] {
  return identifiers.flatMap((i) => (i?.system && i.value ? [`id|${i.system}|${i.value}`] : []));
}

function valueText(report: ResultReport): string {
  return report.observations
    .map((o) => {
      const v = o.value;
      const shown = !v
        ? ''
        : v.kind === 'quantity'
          ? `${v.comparator ?? ''}${v.value}${v.unit ?? ''}`
          : v.kind === 'text'
            ? v.text
            : v.concept.display;
      return `${o.name.code ?? o.name.display}=${shown}`;
    })
    .sort()
    .join(';');
}

export function sameReportKeys(
  resource: Pick<DiagnosticReport, 'identifier'> | undefined,
  item: ResultReport,
): string[] {
  const when = item.effective ?? item.issued ?? '';
  return [
    ...identifierKeys(resource?.identifier ?? []),
    `content|${item.name.code ?? item.name.display}|${when}|${valueText(item)}`,
  ];
}

export function sameLetterKeys(resource: DocumentReference, item: LetterItem): string[] {
  const day = item.date?.slice(0, 10) ?? '';
  return [
    ...identifierKeys([resource.masterIdentifier, ...(resource.identifier ?? [])]),
    `content|${item.type ?? ''}|${item.title}|${day}`,
  ];
}

/**
 * Adds items in order, skipping one whose key was seen; the first (configured source order) is
 * kept and names the other sources in `alsoFrom`.
 */
export class Deduplicator<
  T extends { source?: { id: string; name: string }; alsoFrom?: readonly { id: string; name: string }[] },
> {
  readonly items: T[] = [];
  readonly #byKey = new Map<string, number>();

  add(item: T, keys: readonly string[]): void {
    const index = keys.map((k) => this.#byKey.get(k)).find((i) => i !== undefined);
    if (index !== undefined) {
      const kept = this.items[index] as T;
      if (
        item.source &&
        item.source.id !== kept.source?.id &&
        !(kept.alsoFrom ?? []).some((s) => s.id === item.source?.id)
      ) {
        this.items[index] = { ...kept, alsoFrom: [...(kept.alsoFrom ?? []), item.source] };
      }
      for (const k of keys) this.#byKey.set(k, index);
      return;
    }
    this.items.push(item);
    for (const k of keys) this.#byKey.set(k, this.items.length - 1);
  }
}
