/**
 * NHS number checks, pure.
 *
 * Modulus 11 (NHS Data Dictionary, "NHS Number"): weight the first nine digits
 * 10..2, check digit = 11 − (weighted sum mod 11); 11 becomes 0, and 10 means
 * the number is invalid.
 */
export function isValidNhsNumber(value: string): boolean {
  if (!/^\d{10}$/.test(value)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(value[i]) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 10) return false;
  return (check === 11 ? 0 : check) === Number(value[9]);
}

/** Formats a valid 10-digit NHS number as 3-3-4 ("999 000 0018"), the NHS display convention. */
export function formatNhsNumber(value: string): string {
  if (!/^\d{10}$/.test(value)) return value;
  return `${value.slice(0, 3)} ${value.slice(3, 6)} ${value.slice(6)}`;
}

/** The FHIR identifier system for NHS numbers (UK Core). */
export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
