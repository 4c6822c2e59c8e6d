/**
 * What the API document says about answers no function gives: API Gateway's own (the Cognito authorizer,
 * unknown paths and methods, the payload limit, throttling, a failed or slow integration) and the web
 * ACL's. They keep API Gateway's body, `{"message": …}` (infra/constructs/api.ts keeps that template for
 * every gateway response; local/gateway/ answers the same), so they get a schema of their own beside the
 * functions' error envelope.
 */
import { maxHeaderSize } from 'node:http';
import { AUTHORIZER_MESSAGES } from '../../local/gateway/authorizer.ts';
import { GATEWAY_MESSAGES, MAX_PAYLOAD_BYTES } from '../../local/gateway/gateway.ts';

export const GATEWAY_ERROR_SCHEMA = {
  type: 'object',
  description:
    'An answer API Gateway or its web ACL gives itself, before or instead of a function, in API Gateway’s own shape (not the error envelope)',
  properties: { message: { type: 'string' } },
  required: ['message'],
  additionalProperties: false,
};

export interface GatewayAnswer {
  description: string;
  /** The messages API Gateway (or the web ACL) sends with this status. */
  messages: readonly string[];
}

const MEBIBYTES = MAX_PAYLOAD_BYTES / (1024 * 1024);
/** The web ACL's managed rules block through API Gateway's WAF_FILTERED response, whose message is AWS's own. */
const WAF_BLOCKED = 'Forbidden';

/** By status: when the gateway answers it, and with which messages. */
export const GATEWAY_ANSWERS: Record<number, GatewayAnswer> = {
  401: {
    description:
      'No valid Cognito ID token in Authorization: missing, malformed, badly signed, for another pool or client, not an ID token',
    messages: [AUTHORIZER_MESSAGES.unauthorized, AUTHORIZER_MESSAGES.expired],
  },
  403: {
    description:
      'The web ACL’s managed rules blocked the request (Forbidden), or no route has this method and path (Missing Authentication Token, which API Gateway answers instead of 404 or 405)',
    messages: [WAF_BLOCKED, GATEWAY_MESSAGES.missingAuthenticationToken],
  },
  413: { description: `The request is over API Gateway’s ${MEBIBYTES} MB payload limit`, messages: [GATEWAY_MESSAGES.requestTooLong] },
  429: {
    description:
      'Too many requests: the web ACL’s rate rules (per caller, per IP), stage throttling, or (local mode) a function whose invocations and queue are all taken',
    // The web ACL's rate rules answer with the same body (TOO_MANY_REQUESTS_BODY in infra/constructs/firewall.ts).
    messages: [GATEWAY_MESSAGES.tooManyRequests],
  },
  500: { description: 'The gateway itself failed', messages: [GATEWAY_MESSAGES.internalServerError] },
  502: {
    description: 'The function failed, ran past its timeout or returned a malformed result',
    messages: [GATEWAY_MESSAGES.internalServerError],
  },
  504: {
    description: 'No answer from the function within API Gateway’s 29 s integration timeout',
    messages: [GATEWAY_MESSAGES.endpointRequestTimedOut],
  },
};

/**
 * A request line and headers too large to parse are refused before any route or authorizer is looked at:
 * API Gateway past 10,240 bytes; local mode's HTTP server past Node's limit, with the gateway's
 * `{"message"}` (local/gateway/gateway.ts, answerClientError) and no CORS headers.
 */
export const HEADERS_TOO_LARGE = {
  status: 431,
  description: `"${GATEWAY_MESSAGES.requestHeaderFieldsTooLarge}": the request line (a long query string) and headers are over what the server parses (API Gateway: 10,240 bytes; local mode: ${maxHeaderSize / 1024} KiB, refused by its HTTP server before routing, without CORS headers)`,
};
