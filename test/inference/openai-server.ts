/**
 * A small OpenAI-compatible completions server for tests (node:http on 127.0.0.1, port 0). It answers
 * POST /v1/completions with prompt log-probabilities computed by the local runtime, in vLLM's
 * `prompt_logprobs` format or the legacy `echo` + `logprobs` format, and can be told to misbehave.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalBackend, argmax, type Model, type PositionScore } from '../../src/inference/index.js';

export type ServerBehaviour =
  | 'ok'
  | 'status500'
  | 'status400'
  | 'garbage'
  | 'hang'
  | 'wrong-token'
  | 'missing-field'
  | 'positive-logprob'
  | 'huge';

export interface TestServer {
  url: string;
  behaviour: ServerBehaviour;
  requests: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body);
}

export async function startOpenAIServer(model: Model, behaviour: ServerBehaviour = 'ok'): Promise<TestServer> {
  const backend = new LocalBackend(model);
  const state: TestServer = { url: '', behaviour, requests: [], close: async () => undefined };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST' || req.url !== '/v1/completions') return send(res, 404, '{"error":"not found"}');
    const body = JSON.parse(await readBody(req)) as Record<string, unknown>;
    state.requests.push(body);
    switch (state.behaviour) {
      case 'status500':
        return send(res, 500, '{"error":"boom"}');
      case 'status400':
        return send(res, 400, '{"error":{"message":"prompt_logprobs not supported"}}');
      case 'garbage':
        return send(res, 200, '{"choices": [ {"prompt_logprobs": [null, {"1":');
      case 'hang':
        return; // never answers
      default:
        break;
    }
    const prompt = body['prompt'] as number[];
    const echo = body['echo'] === true;
    const k = Number(echo ? body['logprobs'] : body['prompt_logprobs']);
    const scores = await backend.score(prompt, 1, { topK: k });
    const lastRow = (await backend.score([...prompt, 0], prompt.length, { topK: 0 }))[0]!.logits!;
    const next = argmax(lastRow);
    // 'wrong-token': echo answers for another last token; prompt_logprobs leaves the prompt token out.
    const realLast = prompt[prompt.length - 1]!;
    if (state.behaviour === 'wrong-token' && echo) prompt[prompt.length - 1] = (realLast + 1) % model.config.vocabSize;
    if (state.behaviour === 'positive-logprob') scores[scores.length - 1]!.logprob = 0.5;
    const completion = echo ? echoChoice(prompt, scores, next) : promptLogprobsChoice(prompt, scores, next, model);
    if (state.behaviour === 'wrong-token' && !echo) {
      const entries = completion['prompt_logprobs'] as Array<Record<string, unknown>>;
      delete entries[entries.length - 1]![String(realLast)];
    }
    if (state.behaviour === 'missing-field') delete (completion as Record<string, unknown>)[echo ? 'logprobs' : 'prompt_logprobs'];
    let out = JSON.stringify({ id: 'cmpl-test', object: 'text_completion', model: body['model'], choices: [completion] });
    if (state.behaviour === 'huge') out = out.replace('"cmpl-test"', JSON.stringify('x'.repeat(2_000_000)));
    send(res, 200, out);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => send(res, 500, JSON.stringify({ error: String(e) })));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

/** vLLM: prompt_logprobs[t] = {id: {logprob, rank, decoded_token}} for the prompt token and the top k. */
function promptLogprobsChoice(prompt: number[], scores: PositionScore[], next: number, model: Model): Record<string, unknown> {
  const entries: Array<Record<string, unknown> | null> = [null];
  for (const s of scores) {
    const e: Record<string, unknown> = {};
    const rankOf = (tok: number): number => s.top.findIndex((x) => x.token === tok) + 1;
    s.top.forEach((x, i) => (e[String(x.token)] = { logprob: x.logprob, rank: i + 1, decoded_token: model.tokenizer.decode([x.token]) }));
    e[String(prompt[s.position])] = { logprob: s.logprob, rank: rankOf(s.token) || s.top.length + 1, decoded_token: model.tokenizer.decode([s.token]) };
    entries.push(e);
  }
  return { index: 0, text: model.tokenizer.decode([next]), finish_reason: 'length', logprobs: null, prompt_logprobs: entries };
}

/** Legacy OpenAI echo: the prompt's tokens and log-probs followed by the generated token. */
function echoChoice(prompt: number[], scores: PositionScore[], next: number): Record<string, unknown> {
  const name = (t: number): string => `token_id:${t}`;
  const top = (s: PositionScore): Record<string, number> => Object.fromEntries(s.top.map((x) => [name(x.token), x.logprob]));
  return {
    index: 0,
    text: '',
    finish_reason: 'length',
    logprobs: {
      tokens: [...prompt, next].map(name),
      token_logprobs: [null, ...scores.map((s) => s.logprob), -0.1],
      top_logprobs: [null, ...scores.map(top), { [name(next)]: -0.1 }],
      text_offset: [...prompt, next].map((_, i) => i),
    },
  };
}
