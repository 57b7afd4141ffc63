import { VerdictError } from '../../core/index.js';

/**
 * Caps the linear memory a WASI module can grow to by rewriting the maximum in its memory section.
 * V8 counts WASM memory outside the JS heap, so a worker's resourceLimits cannot bound it; a declared
 * maximum can: memory.grow beyond it fails and the program's allocator sees "out of memory".
 */
export const WASM_PAGE = 65536;

function readLeb(bytes: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  for (let i = at; i < bytes.length && i < at + 5; i++) {
    const b = bytes[i]!;
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return { value, next: i + 1 };
    shift += 7;
  }
  throw new VerdictError('BAD_INPUT', 'wasm module: malformed LEB128 integer');
}

function writeLeb(value: number): number[] {
  const out: number[] = [];
  do {
    let b = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) b |= 0x80;
    out.push(b);
  } while (value > 0);
  return out;
}

/** Returns a copy of `module` whose (single, non-shared, 32-bit) memory cannot grow beyond `maxPages`. */
export function capWasmMemory(module: Uint8Array, maxPages: number): Uint8Array {
  if (module.length < 8 || module[0] !== 0x00 || module[1] !== 0x61 || module[2] !== 0x73 || module[3] !== 0x6d) {
    throw new VerdictError('BAD_INPUT', 'wasm module: bad magic number');
  }
  const parts: Uint8Array[] = [module.subarray(0, 8)];
  let at = 8;
  let found = false;
  while (at < module.length) {
    const id = module[at]!;
    const { value: size, next } = readLeb(module, at + 1);
    const end = next + size;
    if (end > module.length) throw new VerdictError('BAD_INPUT', 'wasm module: section runs past the end');
    if (id === 5) {
      found = true;
      let p = next;
      const count = readLeb(module, p);
      p = count.next;
      const body: number[] = [...writeLeb(count.value)];
      for (let i = 0; i < count.value; i++) {
        const flags = module[p++];
        if (flags !== 0x00 && flags !== 0x01) {
          throw new VerdictError('UNSUPPORTED', 'wasm module: shared or 64-bit memories are not supported');
        }
        const min = readLeb(module, p);
        p = min.next;
        let max = Infinity;
        if (flags === 0x01) {
          const m = readLeb(module, p);
          p = m.next;
          max = m.value;
        }
        if (min.value > maxPages) {
          throw new VerdictError('LIMIT_EXCEEDED', `wasm module needs ${min.value} pages at start; the limit is ${maxPages}`);
        }
        body.push(0x01, ...writeLeb(min.value), ...writeLeb(Math.min(max, maxPages)));
      }
      if (p !== end) throw new VerdictError('BAD_INPUT', 'wasm module: malformed memory section');
      parts.push(new Uint8Array([5, ...writeLeb(body.length), ...body]));
    } else {
      parts.push(module.subarray(at, end));
    }
    at = end;
  }
  if (!found) return module;
  const total = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
