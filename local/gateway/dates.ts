/** The two date formats API Gateway puts in proxy events, both in UTC with English month names. */

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const two = (value: number) => String(value).padStart(2, '0');
const clock = (date: Date) => `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;

/** `25/Nov/2025:13:18:00 +0000`, the format of requestContext.requestTime. */
export function clfTime(date: Date): string {
  return `${two(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${clock(date)} +0000`;
}

/** `Tue Nov 25 13:18:00 UTC 2025` (Java's Date.toString), how the Cognito authorizer passes exp and iat claims. */
export function javaDate(epochSeconds: number): string {
  const date = new Date(epochSeconds * 1000);
  return `${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${two(date.getUTCDate())} ${clock(date)} UTC ${date.getUTCFullYear()}`;
}
