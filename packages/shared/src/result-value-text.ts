import type { ResultValue } from './view-models.ts';

/** A result value as a person reads it: "<5 mmol/L", "Positive", "See comment". */
export function resultValueText(value: ResultValue): string {
  switch (value.kind) {
    case 'quantity':
      return `${value.comparator ?? ''}${value.value}${value.unit ? ` ${value.unit}` : ''}`;
    case 'text':
      return value.text;
    case 'coded':
      return value.concept.display;
  }
}
