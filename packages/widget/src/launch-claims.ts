/**
 * The `nhs_number` claim of a launch JWT, read WITHOUT verifying the signature: the widget holds
 * no keys, and the BFF verifies every launch. It is used only to refuse a session that names
 * another patient, never to trust one. Anything that is not a compact JWS (RFC 7515 §7.1) with a
 * JSON payload whose `nhs_number` is a string gives `undefined`, and the check is skipped.
 */
export function launchNhsNumber(launch: string): string | undefined {
  const parts = launch.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    // base64url (RFC 4648 §5) without padding, as JWS uses it; the payload is UTF-8 JSON.
    const base64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const payload: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    if (typeof payload !== 'object' || payload === null) return undefined;
    const claim = (payload as Record<string, unknown>)['nhs_number'];
    return typeof claim === 'string' ? claim : undefined;
  } catch {
    return undefined;
  }
}
