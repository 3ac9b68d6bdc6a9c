/**
 * The CLI without a running cluster: init's files and modes, offline verify, error conventions.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { toHex } from '@opentsm/core';
import { parseClusterFile } from '../src/config/cluster.js';
import { loadNodeConfig } from '../src/config/node-config.js';
import { REPO, runCli } from './e2e/harness.js';

describe('tsm CLI', () => {
  it('init writes the cluster file, node configs and secrets with mode 0600', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsm-init-'));
    try {
      const r = await runCli(['init', '--nodes', '3', '--dir', dir, '--base-port', '17000', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const cluster = parseClusterFile(JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')));
      assert.equal(cluster.nodes.length, 3);
      assert.equal(cluster.nodes[1]!.apiUrl, 'http://127.0.0.1:17002');
      assert.equal(cluster.applications[0]!.role, 'admin');
      for (const f of ['admin.key', 'node-1.key', 'node-1.master', 'node-3.key', 'node-3.master']) assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, f);
      const cfg = loadNodeConfig(join(dir, 'node-2.json'));
      assert.equal(cfg.player, 2);
      assert.equal(cfg.store, `sqlite:${join(dir, 'node-2.db')}`);
      const again = await runCli(['init', '--nodes', '3', '--dir', dir, '--json']);
      assert.equal(again.code, 1);
      assert.equal((JSON.parse(again.stderr) as { error: { code: string } }).error.code, 'ALREADY_INITIALIZED');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('verify exits 0 for a valid signature and 1 for an invalid one', async () => {
    const sk = ed25519.utils.randomSecretKey();
    const msg = new TextEncoder().encode('cli');
    const sig = ed25519.sign(msg, sk);
    const args = ['verify', '--scheme', 'frost-ed25519', '--public-key', toHex(ed25519.getPublicKey(sk)), '--message', toHex(msg), '--signature'];
    assert.equal((await runCli([...args, toHex(sig)])).code, 0);
    sig[0]! ^= 1;
    const bad = await runCli([...args, toHex(sig), '--json']);
    assert.equal(bad.code, 1);
    assert.deepEqual(JSON.parse(bad.stdout), { valid: false });
  });

  it('reports usage and input errors as one line, or JSON with --json, with a non-zero exit', async () => {
    const a = await runCli(['keys', 'create', '--scheme', 'rsa', '--threshold', '2-of-3']);
    assert.notEqual(a.code, 0);
    assert.equal(a.stderr.trim().split('\n').length, 1);
    assert.match(a.stderr, /^tsm: error: .*rsa/);
    const b = await runCli(['keys', 'create', '--scheme', 'rsa', '--threshold', '2-of-3', '--json']);
    assert.equal((JSON.parse(b.stderr) as { error: { code: string } }).error.code, 'INVALID_ARGUMENT');
    const c = await runCli(['sign', '--key', 'key_x', '--message', 'zz', '--json', '--cluster', '/nonexistent/cluster.json']);
    assert.notEqual(c.code, 0);
    // The message is checked before the cluster file is read: the hex error, not a missing cluster.
    assert.equal((JSON.parse(c.stderr) as { error: { code: string } }).error.code, 'INVALID_HEX');
    assert.equal(c.stderr.trim().split('\n').length, 1);
    const d = await runCli(['status', '--cluster', '/nonexistent/cluster.json']);
    assert.equal(d.code, 1);
    assert.match(d.stderr, /cannot read cluster file/);
  });

  it('secret files are 0600 even when --force replaces an existing 0644 file; without --force it is kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsm-secret-'));
    try {
      const f = join(dir, 'operator.key');
      writeFileSync(f, 'old\n', { mode: 0o644 });
      chmodSync(f, 0o644);
      const refused = await runCli(['backup', 'keygen', '--out', f, '--json']);
      assert.equal(refused.code, 1);
      assert.equal((JSON.parse(refused.stderr) as { error: { code: string } }).error.code, 'FILE_EXISTS');
      assert.equal(readFileSync(f, 'utf8'), 'old\n');
      assert.equal(statSync(f).mode & 0o777, 0o644);
      const oldInode = statSync(f).ino;
      const r = await runCli(['backup', 'keygen', '--out', f, '--force', '--json']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(statSync(f).mode & 0o777, 0o600);
      // A new file replaced the old one: the secret was never written into the 0644 inode.
      assert.notEqual(statSync(f).ino, oldInode);
      const written = JSON.parse(readFileSync(f, 'utf8')) as { secretKey: string };
      assert.match(written.secretKey, /^[0-9a-f]+$/);
      assert.ok(!r.stdout.includes(written.secretKey), 'the secret is not printed');
      assert.deepEqual(readdirSync(dir), ['operator.key'], 'no temporary file is left behind');
      // A target that cannot be replaced (a directory): a clean error, no temporary file left.
      const d = join(dir, 'sub');
      mkdirSync(d);
      const bad = await runCli(['backup', 'keygen', '--out', d, '--force', '--json']);
      assert.equal(bad.code, 1);
      assert.equal((JSON.parse(bad.stderr) as { error: { code: string } }).error.code, 'WRITE_FAILED');
      assert.deepEqual(readdirSync(dir).sort(), ['operator.key', 'sub']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sign takes --path (one sign command, not overridden); recover documents --out', async () => {
    const s = await runCli(['sign', '--help']);
    assert.equal(s.code, 0);
    assert.match(s.stdout, /--path <path>/);
    assert.equal(s.stdout.match(/--path/g)!.length, 1);
    const r = await runCli(['recover', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--out <file>/);
    assert.match(r.stdout, /0600/);
    const f = await runCli(['recover', '--backup', '/nonexistent', '--key', '/nonexistent', '--force', '--json']);
    assert.equal((JSON.parse(f.stderr) as { error: { code: string } }).error.code, 'INVALID_ARGUMENT');
  });

  it('is installed as the `tsm` command (npm links packages/server/bin/tsm.js)', async () => {
    const { existsSync } = await import('node:fs');
    const { spawnSync } = await import('node:child_process');
    const bin = join(REPO, 'node_modules/.bin/tsm');
    assert.ok(existsSync(bin), 'node_modules/.bin/tsm exists after npm install');
    const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^\d+\.\d+\.\d+/);
  });

  it('documents every command in --help', async () => {
    const h = await runCli(['--help']);
    assert.equal(h.code, 0);
    for (const cmd of ['init', 'node', 'dev', 'status', 'keys', 'sign', 'verify', 'apps', 'audit']) assert.match(h.stdout, new RegExp(`\\n  ${cmd}\\b`));
  });
});
