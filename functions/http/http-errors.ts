/** Errors of the HTTP layer: the request cannot be read, names no caller, or the caller may not use the route. */
import type { HttpErrorCode } from '../contract/errors.ts';
import { CodedError } from '../tasks/errors.ts';

export class HttpError extends CodedError<HttpErrorCode> {}

export class InvalidJsonError extends HttpError {
  constructor() {
    super('invalid_json');
  }
}

export class UnsupportedMediaTypeError extends HttpError {
  constructor() {
    super('unsupported_media_type');
  }
}

export class PayloadTooLargeError extends HttpError {
  constructor(limitBytes: number) {
    super('payload_too_large', `The request body is larger than ${limitBytes} bytes`);
  }
}

export class UnauthorizedError extends HttpError {
  constructor() {
    super('unauthorized');
  }
}

export class ForbiddenError extends HttpError {
  constructor(message?: string) {
    super('forbidden', message);
  }
}
