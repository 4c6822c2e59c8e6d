import { DomainError } from '../tasks/errors.ts';

export class InvalidJsonError extends DomainError {
  constructor() {
    super(400, 'invalid_json', 'The request body is not valid JSON');
  }
}

export class UnsupportedMediaTypeError extends DomainError {
  constructor() {
    super(415, 'unsupported_media_type', 'Send the request body as application/json');
  }
}

export class PayloadTooLargeError extends DomainError {
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', `The request body is larger than ${limitBytes} bytes`);
  }
}

export class UnauthorizedError extends DomainError {
  constructor() {
    super(401, 'unauthorized', 'The request has no authenticated caller');
  }
}
