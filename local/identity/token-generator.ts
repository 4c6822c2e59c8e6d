/**
 * Tokens for the local user pool, with the claims Cognito (and cognito-local) put in them, signed with
 * the pool's own key. cognito-local's JwtTokenGenerator signs with the private key it ships in its
 * package, which anyone can read, and offers no option to change it; its services take any
 * TokenGenerator, so local mode passes this one instead.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { AppClient } from 'cognito-local/lib/services/appClient.js';
import type { Clock } from 'cognito-local/lib/services/clock.js';
import type { TokenGenerator, Tokens } from 'cognito-local/lib/services/tokenGenerator.js';
import type { User } from 'cognito-local/lib/services/userPoolService.js';
import { SignJWT } from 'jose';
import { SIGNING_ALGORITHM, type SigningKey } from './signing-key.ts';

type Unit = 'seconds' | 'minutes' | 'hours' | 'days';
const SECONDS: Record<Unit, number> = { seconds: 1, minutes: 60, hours: 3600, days: 86_400 };

export class LocalTokenGenerator implements TokenGenerator {
  constructor(
    private readonly clock: Clock,
    private readonly key: SigningKey,
    /** `<endpoint>/<pool id>`; a function because the endpoint's port is known only once it listens. */
    private readonly issuerOf: (userPoolId: string) => string,
    /** Throws unless exactly one user of the pool holds `sub`: a token names its user by `sub` alone. */
    private readonly ensureUniqueSub: (userPoolId: string, sub: string) => Promise<void>,
  ) {}

  async generate(
    _ctx: unknown,
    user: User,
    userGroups: readonly string[],
    client: AppClient,
    _clientMetadata: Record<string, string> | undefined,
    _source: string,
  ): Promise<Tokens> {
    const now = Math.floor(this.clock.get().getTime() / 1000);
    const attributes = Object.fromEntries((user.Attributes ?? []).map(({ Name, Value }) => [Name, Value]));
    const sub = attributes.sub;
    if (!sub) throw new Error(`User ${user.Username} has no sub attribute`);
    await this.ensureUniqueSub(client.UserPoolId, sub);
    const eventId = randomUUID();
    const groups = userGroups.length > 0 ? { 'cognito:groups': [...userGroups] } : {};
    const custom = Object.fromEntries(Object.entries(attributes).filter(([name]) => name.startsWith('custom:')));
    const issuer = this.issuerOf(client.UserPoolId);
    const units = client.TokenValidityUnits ?? {};

    const accessToken = await this.sign(
      {
        sub,
        ...groups,
        client_id: client.ClientId,
        event_id: eventId,
        token_use: 'access',
        scope: 'aws.cognito.signin.user.admin',
        auth_time: now,
        jti: randomUUID(),
        username: user.Username,
      },
      { issuer, now, lifetime: lifetime(client.AccessTokenValidity, units.AccessToken, 'hours', 1) },
    );
    const idToken = await this.sign(
      {
        sub,
        ...groups,
        email_verified: attributes.email_verified === 'true',
        'cognito:username': user.Username,
        ...(attributes.email ? { email: attributes.email } : {}),
        event_id: eventId,
        token_use: 'id',
        auth_time: now,
        jti: randomUUID(),
        ...custom,
      },
      { issuer, now, lifetime: lifetime(client.IdTokenValidity, units.IdToken, 'hours', 1), audience: client.ClientId },
    );
    // Real refresh tokens are opaque to clients; cognito-local only stores and looks them up.
    const refreshToken = randomBytes(48).toString('base64url');
    return { AccessToken: accessToken, IdToken: idToken, RefreshToken: refreshToken };
  }

  private sign(claims: Record<string, unknown>, options: { issuer: string; now: number; lifetime: number; audience?: string }) {
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: this.key.kid })
      .setIssuer(options.issuer)
      .setIssuedAt(options.now)
      .setExpirationTime(options.now + options.lifetime);
    if (options.audience) jwt.setAudience(options.audience);
    return jwt.sign(this.key.privateKey);
  }
}

function lifetime(value: number | undefined, unit: string | undefined, fallbackUnit: Unit, fallback: number): number {
  if (value === undefined || value === null) return fallback * SECONDS[fallbackUnit];
  const seconds = SECONDS[(unit ?? fallbackUnit) as Unit];
  if (!seconds) throw new Error(`Invalid token validity unit: ${unit}`);
  return value * seconds;
}
