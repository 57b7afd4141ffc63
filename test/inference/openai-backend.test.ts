import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LocalBackend, OpenAICompatibleBackend, generate, type Model, type OpenAICompatibleMode } from '../../src/inference/index.js';
import { isVerdictError } from '../../src/core/index.js';
import { startOpenAIServer, type TestServer } from './openai-server.js';
import { requireModel, PROMPT, NEEDS_MODEL } from './helpers.js';

let model: Model;
let server: TestServer;
let seq: number[];

before(async () => {
  if (NEEDS_MODEL) return;
  model = await requireModel();
  server = await startOpenAIServer(model);
  seq = generate(model, model.tokenizer.encode(PROMPT, { bos: true }), { maxTokens: 40 }).tokens;
});
after(async () => server?.close());

function client(mode: OpenAICompatibleMode, extra: Partial<ConstructorParameters<typeof OpenAICompatibleBackend>[0]> = {}): OpenAICompatibleBackend {
  return new OpenAICompatibleBackend({ baseUrl: server.url, model: 'stories260k', vocabSize: 512, mode, timeoutMs: 5000, ...extra });
}

for (const mode of ['prompt_logprobs', 'echo'] as OpenAICompatibleMode[]) {
  test(`${mode}: over real HTTP the scores equal the local runtime's`, { skip: NEEDS_MODEL }, async () => {
    server.behaviour = 'ok';
    server.requests.length = 0;
    const remote = await client(mode).score(seq, 5, { topK: 5 });
    const local = await new LocalBackend(model).score(seq, 5, { topK: 5 });
    assert.equal(remote.length, seq.length - 5);
    remote.forEach((r, i) => {
      const l = local[i]!;
      assert.equal(r.position, l.position);
      assert.equal(r.token, l.token);
      assert.equal(r.logprob, l.logprob);
      assert.deepEqual(r.top, l.top);
      assert.equal(r.logits, undefined);
    });
    const req = server.requests[0]!;
    assert.deepEqual(req['prompt'], seq);
    assert.equal(req['max_tokens'], 1);
    if (mode === 'echo') {
      assert.equal(req['echo'], true);
      assert.equal(req['logprobs'], 5);
    } else assert.equal(req['prompt_logprobs'], 5);
    // Nothing to score: no request.
    assert.deepEqual(await client(mode).score(seq, seq.length, { topK: 1 }), []);
    assert.equal(server.requests.length, 1);
  });
}

async function rejectsWith(p: Promise<unknown>, code: string, retryable?: boolean, what = ''): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isVerdictError(e), `not a VerdictError: ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (retryable !== undefined) assert.equal(e.retryable, retryable);
    return true;
  }, what);
}

test('HTTP failures are EXECUTOR_FAILED (5xx retryable, 4xx not); a dead server too', { skip: NEEDS_MODEL }, async () => {
  server.behaviour = 'status500';
  await rejectsWith(client('prompt_logprobs').score(seq, 1, { topK: 2 }), 'EXECUTOR_FAILED', true);
  server.behaviour = 'status400';
  await rejectsWith(client('echo').score(seq, 1, { topK: 2 }), 'EXECUTOR_FAILED', false);
  const dead = await startOpenAIServer(model);
  const url = dead.url;
  await dead.close();
  await rejectsWith(new OpenAICompatibleBackend({ baseUrl: url, model: 'm', vocabSize: 512 }).score(seq, 1, { topK: 1 }), 'EXECUTOR_FAILED', true);
});

test('garbage, truncated, inconsistent or oversized answers are BAD_EVIDENCE', { skip: NEEDS_MODEL }, async () => {
  for (const [behaviour, mode] of [
    ['garbage', 'prompt_logprobs'],
    ['wrong-token', 'prompt_logprobs'],
    ['wrong-token', 'echo'],
    ['missing-field', 'prompt_logprobs'],
    ['missing-field', 'echo'],
    ['positive-logprob', 'prompt_logprobs'],
    ['positive-logprob', 'echo'],
  ] as const) {
    server.behaviour = behaviour;
    await rejectsWith(client(mode).score(seq, 3, { topK: 3 }), 'BAD_EVIDENCE', false, `${behaviour} ${mode}`);
  }
  server.behaviour = 'huge';
  await rejectsWith(client('echo', { maxResponseBytes: 1_000_000 }).score(seq, 3, { topK: 3 }), 'BAD_EVIDENCE');
  assert.equal((await client('echo').score(seq, 3, { topK: 3 })).length, seq.length - 3);
});

test('a server that never answers times out (TIMEOUT, retryable); a caller abort is honoured', { skip: NEEDS_MODEL }, async () => {
  server.behaviour = 'hang';
  const t0 = Date.now();
  await rejectsWith(client('prompt_logprobs', { timeoutMs: 150 }).score(seq, 1, { topK: 1 }), 'TIMEOUT', true);
  assert.ok(Date.now() - t0 < 3000);
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 50);
  await rejectsWith(client('echo').score(seq, 1, { topK: 1, signal: ac.signal }), 'TIMEOUT');
});

test('bad configuration and arguments are refused before any request', { skip: NEEDS_MODEL }, async () => {
  assert.throws(() => new OpenAICompatibleBackend({ baseUrl: 'not a url', model: 'm', vocabSize: 512 }), { code: 'BAD_CONFIG' });
  assert.throws(() => new OpenAICompatibleBackend({ baseUrl: 'ftp://x', model: 'm', vocabSize: 512 }), { code: 'BAD_CONFIG' });
  assert.throws(() => new OpenAICompatibleBackend({ baseUrl: 'http://x', model: 'm', vocabSize: 0 }), { code: 'BAD_CONFIG' });
  const c = client('echo');
  await rejectsWith(c.score([], 0, { topK: 1 }), 'BAD_INPUT');
  await rejectsWith(c.score([1, 2], 0, { topK: 1 }), 'BAD_INPUT');
  await rejectsWith(c.score([1, 600], 1, { topK: 1 }), 'BAD_INPUT');
  await rejectsWith(c.score([1, 2], 1, { topK: -1 }), 'BAD_INPUT');
});

/** A fetch that answers with the given body, so the parser can be hammered without sockets. */
function fakeFetch(body: string): typeof fetch {
  return (async () => new Response(body, { status: 200, headers: { 'content-type': 'application/json' } })) as typeof fetch;
}

test('property: any JSON answer is either parsed consistently or BAD_EVIDENCE', async () => {
  const tokens = [1, 403, 407, 261];
  const json = fc.jsonValue({ maxDepth: 5 });
  // Also near-valid shapes, where the interesting checks live.
  const entry = fc.dictionary(fc.oneof(fc.constantFrom('403', '407', '261', '0', '511', '512', '-1', 'x'), fc.string()), fc.oneof(json, fc.record({ logprob: fc.oneof(fc.double(), json) })));
  const nearValid = fc.record({ choices: fc.array(fc.record({ prompt_logprobs: fc.array(fc.oneof(fc.constant(null), entry), { maxLength: 5 }) }), { maxLength: 2 }) });
  const nearEcho = fc.record({
    choices: fc.tuple(fc.record({
      logprobs: fc.record({
        tokens: fc.array(fc.oneof(fc.constantFrom('token_id:1', 'token_id:403', 'token_id:407', 'token_id:261', 'token_id:9999', 'a'), json), { maxLength: 6 }),
        token_logprobs: fc.array(fc.oneof(fc.double(), fc.constant(null), json), { maxLength: 6 }),
        top_logprobs: fc.array(fc.oneof(fc.constant(null), fc.dictionary(fc.constantFrom('token_id:5', 'token_id:x', '5'), fc.oneof(fc.double(), json))), { maxLength: 6 }),
      }),
    })),
  });
  await fc.assert(
    fc.asyncProperty(fc.oneof(json, nearValid, nearEcho), fc.constantFrom('prompt_logprobs' as const, 'echo' as const), async (answer, mode) => {
      const c = new OpenAICompatibleBackend({ baseUrl: 'http://127.0.0.1:9', model: 'm', vocabSize: 512, mode, fetch: fakeFetch(JSON.stringify(answer) ?? 'null') });
      try {
        const scores = await c.score(tokens, 1, { topK: 2 });
        assert.equal(scores.length, 3);
        for (const s of scores) {
          assert.ok(Number.isFinite(s.logprob) && s.logprob <= 0);
          assert.ok(s.top.length <= 2);
          for (const t of s.top) assert.ok(Number.isInteger(t.token) && t.token >= 0 && t.token < 512);
        }
      } catch (e) {
        assert.ok(isVerdictError(e, 'BAD_EVIDENCE'), String(e));
      }
    }),
    { numRuns: 400 },
  );
});

test('score with positions over HTTP returns exactly those positions', { skip: NEEDS_MODEL }, async () => {
  server.behaviour = 'ok';
  const some = await client('prompt_logprobs').score(seq, 5, { topK: 2, positions: [30, 7] });
  assert.deepEqual(some.map((s) => s.position), [7, 30]);
  const local = await new LocalBackend(model).score(seq, 5, { topK: 2, positions: [7, 30] });
  assert.deepEqual(some.map((s) => s.logprob), local.map((s) => s.logprob));
});
