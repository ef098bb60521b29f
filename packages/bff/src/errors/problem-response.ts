import { PROBLEM_CODES, type ProblemCode, type ProblemDetails, problemType } from '@care-sidebar/shared';

/** The problem+json body and headers for a code; no stack, SQL, URL or patient data ever goes in. */
export function problemResponse(
  code: ProblemCode,
  status: number,
  requestId: string | undefined,
  headers: Readonly<Record<string, string>> = {},
): Response {
  const body: ProblemDetails = {
    type: problemType(code),
    title: PROBLEM_CODES[code],
    status,
    code,
    ...(requestId ? { requestId } : {}),
  };
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/problem+json', 'Cache-Control': 'no-store', ...headers },
  });
}
