/**
 * InferenceBackend over an OpenAI-compatible completions server that returns prompt log-probabilities
 * (vLLM and compatible servers). One POST /v1/completions per score() call, the prompt given as token ids:
 *
 * - mode 'prompt_logprobs' (vLLM extension, default): `{prompt, max_tokens: 1, prompt_logprobs: k}`;
 *   reads `choices[0].prompt_logprobs[t] = {"<id>": {logprob, rank?, decoded_token?}, ...}` (t = 0 is null).
 * - mode 'echo' (legacy OpenAI): `{prompt, max_tokens: 1, echo: true, logprobs: k, return_tokens_as_token_ids: true}`;
 *   reads `choices[0].logprobs.{tokens, token_logprobs, top_logprobs}` with tokens spelled `token_id:<id>`.
 *
 * The response is untrusted: anything malformed or inconsistent with the prompt is BAD_EVIDENCE; an HTTP
 * or network failure is EXECUTOR_FAILED (retryable, except 4xx other than 408/429); running out of time
 * is TIMEOUT (retryable).
 */
import { VerdictError } from '../core/errors.js';
import { checkScoreArgs, scoredPositions } from './local-backend.js';
import type { InferenceBackend, PositionScore, ScoreOptions, TokenLogprob } from './types.js';

export type OpenAICompatibleMode = 'prompt_logprobs' | 'echo';

export interface OpenAICompatibleOptions {
  /** Server root, e.g. `http://127.0.0.1:8000` (the request goes to `${baseUrl}/v1/completions`). */
  baseUrl: string;
  /** The served model name. */
  model: string;
  vocabSize: number;
  mode?: OpenAICompatibleMode;
  /** Per request, default 30 000 ms. */
  timeoutMs?: number;
  apiKey?: string;
  /** Largest response body accepted, default 64 MiB. */
  maxResponseBytes?: number;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

/** Logprobs slightly above 0 come from float rounding on the server; anything larger is not a log-probability. */
const LOGPROB_SLACK = 1e-4;

function badResponse(message: string, details: Record<string, unknown> = {}): VerdictError {
  return new VerdictError('BAD_EVIDENCE', `inference server response: ${message}`, { details: { source: 'inference-backend', ...details } });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkLogprob(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v > LOGPROB_SLACK) throw badResponse(`${where} is not a log-probability`, { where });
  return Math.min(v, 0);
}

function parseId(key: string, prefix: string, vocabSize: number, where: string): number {
  if (!key.startsWith(prefix)) throw badResponse(`${where}: token key ${JSON.stringify(key.slice(0, 40))} is not ${prefix}<id>`, { where });
  const s = key.slice(prefix.length);
  if (!/^(0|[1-9][0-9]{0,9})$/.test(s)) throw badResponse(`${where}: token key ${JSON.stringify(key.slice(0, 40))} is not an id`, { where });
  const id = Number(s);
  if (id >= vocabSize) throw badResponse(`${where}: token id ${id} outside the vocabulary of ${vocabSize}`, { where });
  return id;
}

function sortTop(entries: TokenLogprob[], k: number): TokenLogprob[] {
  return entries.sort((a, b) => b.logprob - a.logprob || a.token - b.token).slice(0, k);
}

export class OpenAICompatibleBackend implements InferenceBackend {
  readonly id: string;
  readonly vocabSize: number;
  readonly mode: OpenAICompatibleMode;
  private readonly url: string;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly options: OpenAICompatibleOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch (e) {
      throw new VerdictError('BAD_CONFIG', `baseUrl is not a URL: ${String(options.baseUrl)}`, { cause: e });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new VerdictError('BAD_CONFIG', 'baseUrl must be http(s)');
    if (!Number.isInteger(options.vocabSize) || options.vocabSize < 1) throw new VerdictError('BAD_CONFIG', 'vocabSize must be a positive integer');
    this.url = `${options.baseUrl.replace(/\/+$/, '')}/v1/completions`;
    this.mode = options.mode ?? 'prompt_logprobs';
    if (this.mode !== 'prompt_logprobs' && this.mode !== 'echo') throw new VerdictError('BAD_CONFIG', `unknown mode ${String(this.mode)}`);
    this.vocabSize = options.vocabSize;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxResponseBytes = options.maxResponseBytes ?? 64 * 1024 * 1024;
    this.fetchFn = options.fetch ?? globalThis.fetch;
    this.id = `openai-compatible:${options.model}@${url.host}`;
  }

  async score(tokens: readonly number[], from: number, options: ScoreOptions): Promise<PositionScore[]> {
    checkScoreArgs(tokens, from, options, this.vocabSize);
    for (const t of tokens) {
      if (!Number.isInteger(t) || t < 0 || t >= this.vocabSize) throw new VerdictError('BAD_INPUT', `token ${String(t)} outside the vocabulary`);
    }
    const positions = scoredPositions(tokens, from, options);
    if (positions.length === 0) return [];
    const k = options.topK;
    const body: Record<string, unknown> = { model: this.options.model, prompt: [...tokens], max_tokens: 1, temperature: 0 };
    if (this.mode === 'prompt_logprobs') body['prompt_logprobs'] = k;
    else Object.assign(body, { echo: true, logprobs: k, return_tokens_as_token_ids: true });
    const json = await this.post(body, options.signal);
    const all = this.mode === 'prompt_logprobs' ? this.parsePromptLogprobs(json, tokens, from, k) : this.parseEcho(json, tokens, from, k);
    if (options.positions === undefined) return all;
    const keep = new Set(positions);
    return all.filter((s) => keep.has(s.position));
  }

  private async post(body: Record<string, unknown>, signal?: AbortSignal): Promise<unknown> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.options.apiKey) headers['authorization'] = `Bearer ${this.options.apiKey}`;
    let text: string;
    try {
      const res = await this.fetchFn(this.url, { method: 'POST', headers, body: JSON.stringify(body), signal: combined });
      if (!res.ok) {
        const retryable = res.status >= 500 || res.status === 408 || res.status === 429;
        await res.body?.cancel().catch(() => undefined);
        throw new VerdictError('EXECUTOR_FAILED', `inference server answered HTTP ${res.status}`, {
          retryable,
          details: { source: 'inference-backend', status: res.status },
        });
      }
      text = await this.readCapped(res);
    } catch (e) {
      if (e instanceof VerdictError) throw e;
      if (timeout.aborted) {
        throw new VerdictError('TIMEOUT', `inference server did not answer within ${this.timeoutMs} ms`, { cause: e, details: { source: 'inference-backend' } });
      }
      if (signal?.aborted) throw new VerdictError('TIMEOUT', 'scoring aborted by the caller', { cause: e, details: { source: 'inference-backend' } });
      throw new VerdictError('EXECUTOR_FAILED', `inference server request failed: ${(e as Error)?.message ?? String(e)}`, {
        cause: e,
        details: { source: 'inference-backend' },
      });
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      throw new VerdictError('BAD_EVIDENCE', 'inference server response is not JSON', { cause: e, details: { source: 'inference-backend' } });
    }
  }

  private async readCapped(res: Response): Promise<string> {
    if (!res.body) return '';
    const reader = res.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > this.maxResponseBytes) {
        await reader.cancel().catch(() => undefined);
        throw badResponse(`body exceeds ${this.maxResponseBytes} bytes`);
      }
      chunks.push(value);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private firstChoice(json: unknown): Record<string, unknown> {
    if (!isRecord(json)) throw badResponse('not an object');
    const choices = json['choices'];
    if (!Array.isArray(choices) || choices.length < 1 || !isRecord(choices[0])) throw badResponse('no choices[0]');
    return choices[0];
  }

  private parsePromptLogprobs(json: unknown, tokens: readonly number[], from: number, k: number): PositionScore[] {
    const choice = this.firstChoice(json);
    const pl = choice['prompt_logprobs'];
    if (!Array.isArray(pl)) throw badResponse('choices[0].prompt_logprobs is missing (does the server support prompt_logprobs?)');
    if (pl.length !== tokens.length) throw badResponse(`prompt_logprobs has ${pl.length} entries for ${tokens.length} prompt tokens`);
    const out: PositionScore[] = [];
    for (let t = from; t < tokens.length; t++) {
      const where = `prompt_logprobs[${t}]`;
      const entry = pl[t];
      if (!isRecord(entry)) throw badResponse(`${where} is not an object`, { position: t });
      const all: TokenLogprob[] = [];
      let own: number | undefined;
      for (const [key, v] of Object.entries(entry)) {
        const id = parseId(key, '', this.vocabSize, where);
        if (!isRecord(v)) throw badResponse(`${where}[${id}] is not an object`, { position: t });
        const logprob = checkLogprob(v['logprob'], `${where}[${id}].logprob`);
        if (id === tokens[t]) own = logprob;
        all.push({ token: id, logprob });
      }
      if (own === undefined) throw badResponse(`${where} lacks the prompt token ${tokens[t]}`, { position: t });
      out.push({ position: t, token: tokens[t]!, logprob: own, top: sortTop(all, k) });
    }
    return out;
  }

  private parseEcho(json: unknown, tokens: readonly number[], from: number, k: number): PositionScore[] {
    const choice = this.firstChoice(json);
    const lp = choice['logprobs'];
    if (!isRecord(lp)) throw badResponse('choices[0].logprobs is missing');
    const toks = lp['tokens'];
    const tlp = lp['token_logprobs'];
    const top = lp['top_logprobs'];
    if (!Array.isArray(toks) || !Array.isArray(tlp) || !Array.isArray(top)) throw badResponse('logprobs.tokens/token_logprobs/top_logprobs must be arrays');
    if (toks.length < tokens.length || tlp.length < tokens.length || top.length < tokens.length) {
      throw badResponse(`echo returned fewer than the ${tokens.length} prompt tokens`);
    }
    const out: PositionScore[] = [];
    for (let t = 0; t < tokens.length; t++) {
      const name = toks[t];
      if (typeof name !== 'string') throw badResponse(`logprobs.tokens[${t}] is not a string`, { position: t });
      if (parseId(name, 'token_id:', this.vocabSize, `logprobs.tokens[${t}]`) !== tokens[t]) {
        throw badResponse(`echoed token ${t} is not the prompt token ${tokens[t]}`, { position: t });
      }
      if (t < from) continue;
      const logprob = checkLogprob(tlp[t], `logprobs.token_logprobs[${t}]`);
      const alts = top[t];
      const all: TokenLogprob[] = [];
      if (k > 0) {
        if (!isRecord(alts)) throw badResponse(`logprobs.top_logprobs[${t}] is not an object`, { position: t });
        for (const [key, v] of Object.entries(alts)) {
          all.push({ token: parseId(key, 'token_id:', this.vocabSize, `top_logprobs[${t}]`), logprob: checkLogprob(v, `top_logprobs[${t}][${key.slice(0, 20)}]`) });
        }
      }
      out.push({ position: t, token: tokens[t]!, logprob, top: sortTop(all, k) });
    }
    return out;
  }
}
