/**
 * The user pool's password policy: declared by the deployed pool (infra/constructs/auth.ts) and by local
 * mode's pool (local/identity/user-pool.ts). A module of its own so local mode need not load cdktf.
 */
export const PASSWORD_POLICY = {
  minimumLength: 10,
  requireUppercase: true,
  requireLowercase: true,
  requireNumbers: true,
  requireSymbols: false,
  temporaryPasswordValidityDays: 7,
} as const;
