import type { z } from 'zod';

/** The closed set of failure kinds; each maps to one HTTP status in `HTTP_STATUS`. */
export const ERROR_CODES = [
  'BAD_INPUT',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'HEADERS_TOO_LARGE',
  'RATE_LIMITED',
  'REQUEST_TIMEOUT',
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
  HEADERS_TOO_LARGE: 431,
  RATE_LIMITED: 429,
  REQUEST_TIMEOUT: 408,
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

/** How `parseOrThrow` words its error; a bare string is `what`. */
export interface ParseContext {
  /** What was parsed; the message reads "invalid <what>" (default "input"). */
  what?: string;
  /** The message instead of "invalid <what>", or a function of the problems for messages that list them. */
  message?: string | ((problems: Problem[]) => string);
  /** Put before every problem's path, e.g. the model id whose parameters these are. */
  prefix?: (string | number)[];
}

/** Parses `value` with `schema`, or throws BAD_INPUT with every zod issue as a `{path, message}` problem. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, context: string | ParseContext = {}): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const c: ParseContext = typeof context === 'string' ? { what: context } : context;
  const problems = problemsFromZod(parsed.error, c.prefix);
  const message = typeof c.message === 'function' ? c.message(problems) : (c.message ?? `invalid ${c.what ?? 'input'}`);
  throw new CurioError('BAD_INPUT', message, { cause: parsed.error, problems });
}
