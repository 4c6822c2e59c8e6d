/**
 * The Cognito group whose members may use admin-only routes. A module of its own, with no imports, so the
 * compiled CLI (which adds users to it) does not pull in the route table and its schemas.
 */
export const ADMIN_GROUP = 'admin';
