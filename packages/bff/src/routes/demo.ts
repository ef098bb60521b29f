import { isValidNhsNumber } from '@care-sidebar/shared';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { type CryptoKey, type JWK, SignJWT } from 'jose';
import { z } from 'zod';
import type { AppEnv } from '../app-env.ts';
import { ProblemError } from '../errors/problem-error.ts';

/**
 * Demo mode only: a stand-in for the host GP system's signing service, so the demo page can mint
 * launch tokens. Its key is generated when the demo starts and exists only in that process;
 * `createApp` mounts these routes only when given a DemoLauncher, which `main.ts` never does.
 */
export interface DemoLauncher {
  readonly issuer: string;
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly user: { readonly id: string; readonly name: string; readonly role: string; readonly org: string };
}

const launchRequest = z.strictObject({
  nhsNumber: z.string().refine(isValidNhsNumber, 'must be a valid NHS number'),
  birthdate: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional(),
});

export function demoRoutes(demo: DemoLauncher, audience: string, clock: () => Date): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/jwks.json', (c) => c.json({ keys: [demo.publicJwk] }));
  app.post('/launch-token', bodyLimit({ maxSize: 4096 }), async (c) => {
    const parsed = launchRequest.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) throw new ProblemError('bad-request', 400);
    const iat = Math.floor(clock().getTime() / 1000);
    const launch = await new SignJWT({
      name: demo.user.name,
      role: demo.user.role,
      org: demo.user.org,
      nhs_number: parsed.data.nhsNumber,
      ...(parsed.data.birthdate ? { birthdate: parsed.data.birthdate } : {}),
    })
      .setProtectedHeader({ alg: 'ES256', kid: demo.kid, typ: 'JWT' })
      .setIssuer(demo.issuer)
      .setAudience(audience)
      .setSubject(demo.user.id)
      .setJti(crypto.randomUUID())
      .setIssuedAt(iat)
      .setExpirationTime(iat + 120)
      .sign(demo.privateKey);
    return c.json({ launch });
  });
  return app;
}
