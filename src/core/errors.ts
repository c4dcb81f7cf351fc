import type { z } from 'zod';

/** The closed set of failure kinds; each maps to one HTTP status in `HTTP_STATUS`. */
export const ERROR_CODES = [
  'BAD_INPUT',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'CONSENT_REFUSED',
  'UNAVAILABLE',
  'MODEL_FIT',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  BAD_INPUT: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  CONSENT_REFUSED: 422,
  UNAVAILABLE: 503,
  MODEL_FIT: 500,
  INTERNAL: 500,
};

/** One problem with an input, located by its path ("events.3.timestamp", or "file.csv:12"). */
export interface Problem {
  path: string;
  message: string;
}

export class CurioError extends Error {
  readonly code: ErrorCode;
  readonly problems: Problem[];

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; problems?: Problem[] } = {}) {
    super(message, { cause: options.cause });
    this.name = 'CurioError';
    this.code = code;
    this.problems = options.problems ?? [];
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }
}

/** Zod issues are data: turn each into a `{path, message}` problem, optionally under a prefix. */
export function problemsFromZod(error: z.ZodError, prefix: (string | number)[] = []): Problem[] {
  return error.issues.map((issue) => ({
    path: [...prefix, ...issue.path.map((p) => String(p))].join('.') || '(root)',
    message: issue.message,
  }));
}

export function badInput(message: string, problems: Problem[]): CurioError {
  return new CurioError('BAD_INPUT', message, { problems });
}
