import { DECIMAL_TEXT_KEY } from '@care-sidebar/shared';

/**
 * A `"value"` member whose number has trailing zeros after its decimal point (`4.0`, `0.10`,
 * `-1.50`): the digits JSON.parse would drop. Only a real member can match: a JSON string holds no
 * unescaped `"`, so `{"value":` or `,"value":` inside a string would read `\"value\":`.
 */
const TRAILING_ZERO_VALUE = /([{,]\s*"value"\s*:\s*)(-?(?:0|[1-9]\d*)\.\d*0)(?=\s*[,}])/g;

/**
 * The FHIR JSON text with the source's own text written beside each such decimal value, under
 * DECIMAL_TEXT_KEY (`{"value":4.0}` → `{"value":4.0,"care-sidebar:decimal":"4.0"}`), so the mappers
 * can show `4.0` as the laboratory reported it. Everything else is left byte for byte; a text
 * without such a value is returned as it is.
 */
export function withDecimalText(json: string): string {
  return json.replace(TRAILING_ZERO_VALUE, (_match, member: string, digits: string) => {
    return `${member}${digits},"${DECIMAL_TEXT_KEY}":"${digits}"`;
  });
}
