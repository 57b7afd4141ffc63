/**
 * One error type for the whole library. Codes are a closed list so callers can branch on them;
 * `retryable` says whether trying again later may succeed (infrastructure) or not (bad input).
 */
export const ERROR_CODES = {
  BAD_EVIDENCE: { retryable: false, summary: 'evidence is malformed or inconsistent' },
  BAD_CONFIG: { retryable: false, summary: 'a configuration or policy file is invalid' },
  BAD_INPUT: { retryable: false, summary: 'an argument or input file is invalid' },
  UNSUPPORTED: { retryable: false, summary: 'the requested feature or version is not supported' },
  NOT_FOUND: { retryable: false, summary: 'a referenced object does not exist' },
  DUPLICATE: { retryable: false, summary: 'an object with this identity already exists' },
  TIMEOUT: { retryable: true, summary: 'an operation ran out of time' },
  EXECUTOR_FAILED: { retryable: true, summary: 'the executor could not run the job' },
  CHAIN_ERROR: { retryable: true, summary: 'the chain or its RPC endpoint failed' },
  STORE_ERROR: { retryable: true, summary: 'the persistent store failed' },
  LIMIT_EXCEEDED: { retryable: false, summary: 'a size, memory or count limit was exceeded' },
  INTERNAL: { retryable: false, summary: 'an internal invariant was violated (a bug)' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface VerdictErrorOptions {
  cause?: unknown;
  /** Overrides the code's default retryability. */
  retryable?: boolean;
  /** Structured context (file, field, expected ...), safe to log. */
  details?: Record<string, unknown>;
}

export class VerdictError extends Error {
  override readonly name = 'VerdictError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: VerdictErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (!(code in ERROR_CODES)) throw new TypeError(`unknown VerdictError code: ${String(code)}`);
    this.code = code;
    this.retryable = options.retryable ?? ERROR_CODES[code].retryable;
    this.details = options.details ?? {};
  }

  /** One line for CLIs and logs: `CODE: message`. */
  toLine(): string {
    return `${this.code}: ${this.message}`;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, retryable: this.retryable, details: this.details };
  }
}

export function isVerdictError(e: unknown, code?: ErrorCode): e is VerdictError {
  return e instanceof VerdictError && (code === undefined || e.code === code);
}

/**
 * Text for an error message about anything thrown or received, never throwing itself: String() on an object
 * whose toString is not callable (`{"toString": null}`, valid JSON) throws a TypeError of its own.
 */
export function describeUnknown(e: unknown, max = 200): string {
  let text: string;
  if (e instanceof Error) text = typeof e.message === 'string' ? e.message : e.name;
  else if (typeof e === 'string') text = e;
  else if (e === null || e === undefined || typeof e === 'number' || typeof e === 'boolean' || typeof e === 'bigint') text = String(e);
  else if (typeof e === 'symbol') text = e.description === undefined ? 'symbol' : `symbol ${e.description}`;
  else if (typeof e === 'function') text = 'function';
  else {
    try {
      text = JSON.stringify(e) ?? `of type ${typeof e}`;
    } catch {
      text = Array.isArray(e) ? 'array' : 'object';
    }
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Wraps anything thrown into a VerdictError, keeping VerdictErrors as they are. */
export function toVerdictError(e: unknown, code: ErrorCode, message?: string): VerdictError {
  if (e instanceof VerdictError) return e;
  const text = describeUnknown(e, 2000);
  return new VerdictError(code, message ? `${message}: ${text}` : text, { cause: e });
}
