import type { ResultValue } from './view-models.ts';

/** A result value as a person reads it: "<5 mmol/L", "4.0 mmol/L" (as the source wrote it), "Positive", "See comment". */
export function resultValueText(value: ResultValue): string {
  switch (value.kind) {
    case 'quantity':
      return `${value.comparator ?? ''}${value.text ?? value.value}${value.unit ? ` ${value.unit}` : ''}`;
    case 'text':
      return value.text;
    case 'coded':
      return value.concept.display;
  }
}
