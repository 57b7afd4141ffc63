import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAnvilBanner, startAnvil, withAnvil } from '../../src/testing/anvil.js';

test('startAnvil: listens on a free loopback port, exposes funded dev accounts, stops on dispose', async () => {
  const anvil = await startAnvil({ accounts: 3 });
  try {
    assert.match(anvil.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(anvil.port > 0);
    assert.equal(anvil.accounts.length, 3);
    assert.equal(anvil.accounts[0]!.address.toLowerCase(), '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266');
    assert.equal(await anvil.rpc<string>('eth_chainId'), '0x7a69');
    const bal = BigInt(await anvil.rpc<string>('eth_getBalance', [anvil.accounts[1]!.address, 'latest']));
    assert.ok(bal > 0n);
  } finally {
    await anvil.stop();
  }
  assert.equal(anvil.exited, true);
  await assert.rejects(fetch(anvil.url, { method: 'POST', body: '{}' }));
  await anvil.stop(); // idempotent
});

test('two anvils run side by side on different ports; withAnvil always stops', async () => {
  let seen: number | undefined;
  await withAnvil(async (a) => {
    await withAnvil(async (b) => {
      assert.notEqual(a.port, b.port);
      assert.equal(b.chainId, 777);
      seen = b.port;
    }, { chainId: 777 });
  });
  assert.ok(seen);
});

test('rpc errors surface as CHAIN_ERROR', async () => {
  await withAnvil(async (a) => {
    await assert.rejects(a.rpc('no_such_method'), (e: unknown) => (e as { code?: string }).code === 'CHAIN_ERROR');
  });
});

test('parseAnvilBanner waits for the listening line', () => {
  assert.equal(parseAnvilBanner('Available Accounts\n==================\n(0) 0x'), undefined);
  const b = parseAnvilBanner('Chain ID\n==================\n\n31337\n\nListening on 127.0.0.1:8545\n');
  assert.equal(b?.port, 8545);
  assert.equal(b?.chainId, 31337);
});
