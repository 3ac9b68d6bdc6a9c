/**
 * CLI of verifiable backup, offline recovery, export and import (docs/operations.md, "Backup,
 * recovery, export and import"):
 *
 *   tsm backup keygen --out FILE [--suite x25519|p256] [--force]     operator key (offline; FILE mode 0600)
 *   tsm backup node-keygen --player N --out FILE                       a node HPKE key for older clusters
 *   tsm backup authorize PUBLIC_KEY_HEX [--name NAME]                  admin: authorise it on every node
 *   tsm backup recipients                                              the authorised operator keys
 *   tsm backup revoke FINGERPRINT                                      admin: revoke one
 *   tsm backup create ID --to PUBLIC_KEY_HEX --out FILE                every node's backup of key ID, verified
 *   tsm backup verify FILE [--public-key HEX]                          public data only; with the global
 *                                                                      --cluster (or $TSM_CLUSTER) also
 *                                                                      against the live cluster's key
 *   tsm recover --backup FILE --key SECRET_FILE [--out FILE [--force]] offline: the private key (printed,
 *                                                                      or with --out written 0600)
 *   tsm recover --wrapped FILE --key RECIPIENT_SECRET_FILE [--out FILE] offline: an export's private key
 *   tsm keys export ID --to RECIPIENT_PUB --out FILE
 *   tsm keys export-policy ID (--allow --to PUB[,PUB…] | --forbid)     admin; without a flag: show it
 *   tsm keys import --scheme S --threshold k-of-n (--private-key-file F | --ed25519-seed-file F
 *                   | --mnemonic-file F [--path P] [--passphrase-file F]) [--protocol honest-majority]
 *
 * Exit codes: 0 success; 1 any failure (a backup that does not verify included). Secrets (key
 * files, recovered keys) are written with mode 0600 and never appear in error messages.
 */
import { readFileSync, statSync } from 'node:fs';
import { Command, Option } from 'commander';
import {
  backupSuiteOfPublicKey,
  combineExport,
  generateBackupKeyPair,
  hpkeKeyFingerprint,
  parseBackupFile,
  parseBackupSecretKey,
  parseExportFile,
  ProtocolError,
  recoverFromBackups,
  SCHEMES,
  serializeBackupFile,
  serializeBackupSecretKey,
  serializeExportFile,
  toHex,
  verifyBackupSet,
  type BackupFile,
  type BackupSuite,
  type HpkeKeyPair,
} from '@opentsm/core';
import type { KeyScheme } from '@opentsm/client';
import { generateNodeHpkeKey } from '../../node/backup/node-key.js';
import { hexArg, subcommand, writeSecretFile, type CliContext } from '../context.js';
import { CliError, printResult } from '../output.js';

const MAX_FILE = 4 * 1024 * 1024;
const ED25519_NOTE = 'Ed25519: privateKey is the raw scalar (32 bytes little-endian), NOT an RFC 8032 seed; FROST keys have no seed (docs/protocols/backup.md §4)';

function readText(path: string, what: string): string {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new CliError('FILE_NOT_FOUND', `cannot read ${what} ${path}`);
  }
  if (size > MAX_FILE) throw new CliError('FILE_TOO_LARGE', `${what} ${path} is larger than 4 MiB`);
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new CliError('FILE_NOT_FOUND', `cannot read ${what} ${path}`);
  }
}

/** A secret input file: warn when others can read it. */
function readSecret(path: string, what: string): string {
  const text = readText(path, what);
  try {
    if ((statSync(path).mode & 0o077) !== 0) process.stderr.write(`tsm: warning: ${path} is readable by group/others; run chmod 600 ${path}\n`);
  } catch {
    // ignore
  }
  return text;
}

/** Core errors → CliError with the same stable code (messages carry no secrets). */
function cliError(e: unknown): unknown {
  if (e instanceof ProtocolError) return new CliError(e.code, e.message);
  return e;
}

function hpkePublicKeyArg(v: string, name: string): { pk: Uint8Array; suite: BackupSuite } {
  const pk = hexArg(v, name);
  try {
    return { pk, suite: backupSuiteOfPublicKey(pk) };
  } catch {
    throw new CliError('INVALID_RECIPIENT_KEY', `${name} must be an X25519 (32 bytes) or uncompressed P-256 (65 bytes) public key, hex`);
  }
}

function loadSecretKey(path: string): HpkeKeyPair {
  try {
    return parseBackupSecretKey(readSecret(path, 'secret key file'));
  } catch (e) {
    throw cliError(e);
  }
}

function loadBackupFile(path: string): BackupFile {
  try {
    return parseBackupFile(readText(path, 'backup file'));
  } catch (e) {
    throw cliError(e);
  }
}

/** 32 bytes of hex in a file (whitespace around it allowed, nothing else). */
function readHexKeyFile(path: string, what: string): Uint8Array {
  const t = readSecret(path, what).trim();
  const h = t.startsWith('0x') ? t.slice(2) : t;
  if (!/^[0-9a-fA-F]{64}$/.test(h)) throw new CliError('INVALID_KEY_FILE', `${what} ${path} must hold exactly 32 bytes of hex`);
  return Uint8Array.from(Buffer.from(h, 'hex'));
}

export function backupCommands(program: Command, ctx: CliContext): void {
  const json = () => ctx.g().json === true;
  const backup = program.command('backup').description('verifiable encrypted backups of keys (to an offline operator key)');

  backup
    .command('keygen')
    .description("create the operator's offline backup key pair: writes the SECRET key file (mode 0600), prints the public key")
    .requiredOption('--out <file>', 'secret key file to write')
    .addOption(new Option('--suite <suite>', 'HPKE suite: x25519 (default) or p256 (HSM / smart card)').choices(['x25519', 'p256']).default('x25519'))
    .option('--force', 'overwrite an existing file')
    .action((o: { out: string; suite: BackupSuite; force?: boolean }) => {
      const kp = generateBackupKeyPair(o.suite);
      writeSecretFile(o.out, serializeBackupSecretKey(kp), o.force === true);
      kp.secretKey.fill(0);
      const publicKey = toHex(kp.publicKey);
      const fingerprint = toHex(hpkeKeyFingerprint(kp.suite, kp.publicKey));
      printResult({ publicKey, suite: kp.suite, fingerprint }, json(), () => `${publicKey}\n(suite ${kp.suite}, fingerprint ${fingerprint}; secret key written to ${o.out}, mode 0600: keep it offline)`);
    });

  backup
    .command('node-keygen')
    .description("give an existing cluster's node an HPKE identity key for key import: writes the node key file (0600), prints its public key for nodes[].hpkePublicKey of cluster.json")
    .requiredOption('--player <n>', 'the node')
    .requiredOption('--out <file>', 'node key file to write (then set hpkeKeyFile in node-N.json)')
    .option('--force', 'overwrite an existing file')
    .action((o: { player: string; out: string; force?: boolean }) => {
      const player = Number(o.player);
      if (!/^\d{1,2}$/.test(o.player) || player < 1 || player > 64) throw new CliError('INVALID_ARGUMENT', '--player must be an integer 1..64');
      const k = generateNodeHpkeKey(player);
      writeSecretFile(o.out, k.text, o.force === true);
      k.key.secretKey.fill(0);
      const publicKey = toHex(k.key.publicKey);
      printResult({ player, hpkePublicKey: publicKey }, json(), () => `${publicKey}\n(node ${player}: add "hpkePublicKey": "${publicKey}" to its entry in cluster.json on every node and client, and "hpkeKeyFile": "${o.out}" to node-${player}.json; then restart it)`);
    });

  backup
    .command('authorize')
    .description('admin: authorise an operator backup key on every node (nodes refuse to back up to any other key)')
    .argument('<publicKey>', 'operator public key, hex')
    .option('--name <name>', 'a label', '')
    .action(async (publicKey: string, o: { name: string }) => {
      const { pk } = hpkePublicKeyArg(publicKey, 'publicKey');
      const r = await ctx.client().addBackupRecipient(pk, o.name);
      printResult(r, json(), () => `authorised backup key ${r.publicKey} (${r.suite}, fingerprint ${r.fingerprint}) on every node`);
    });

  backup
    .command('recipients')
    .description('list the authorised operator backup keys')
    .action(async () => {
      const list = await ctx.client().listBackupRecipients();
      printResult({ recipients: list }, json(), () => (list.length === 0 ? 'no authorised backup keys' : list.map((r) => `${r.fingerprint}  ${r.suite}  ${r.publicKey}  ${r.name}`).join('\n')));
    });

  backup
    .command('revoke')
    .description('admin: revoke an authorised operator backup key on every node')
    .argument('<fingerprint>', 'its fingerprint (tsm backup recipients)')
    .action(async (fingerprint: string) => {
      await ctx.client().removeBackupRecipient(fingerprint);
      printResult({ fingerprint, revoked: true }, json(), () => `revoked ${fingerprint}`);
    });

  backup
    .command('create')
    .description("collect every node's verifiable backup of a key into one file (verified before it is written)")
    .argument('<keyId>')
    .requiredOption('--to <publicKey>', 'the operator backup public key (hex; authorised on the nodes)')
    .requiredOption('--out <file>', 'backup file to write')
    .option('--force', 'overwrite an existing file')
    .action(async (keyId: string, o: { to: string; out: string; force?: boolean }) => {
      const { pk } = hpkePublicKeyArg(o.to, '--to');
      const file = await ctx.client().backupKey(keyId, pk);
      writeSecretFile(o.out, serializeBackupFile(file), o.force === true);
      const r = { keyId, scheme: file.scheme, epoch: file.epoch, publicKey: toHex(file.publicKey), players: file.backups.map((b) => b.player), file: o.out };
      printResult(r, json(), () => `backup of ${keyId} (${file.scheme}, epoch ${file.epoch}, players ${r.players.join(',')}) verified and written to ${o.out}`);
    });

  backup
    .command('verify')
    .description('check every proof of a backup file from public data alone (exit 1 if anything fails); with the global --cluster also against the live key')
    .argument('<file>')
    .option('--public-key <hex>', 'the public key the backup must be of')
    .action(async (path: string, o: { publicKey?: string }) => {
      const file = loadBackupFile(path);
      const report = verifyBackupSet(file);
      const problems = [...report.problems];
      const publicKey = toHex(file.publicKey);
      if (o.publicKey !== undefined) {
        const want = toHex(hexArg(o.publicKey, '--public-key'));
        if (want !== publicKey && want !== toHex(file.groupKey)) problems.push(`the backup is of public key ${publicKey}, not ${want}`);
      }
      let cluster: { checked: boolean; publicKey?: string } = { checked: false };
      if (ctx.g().cluster !== undefined || (process.env.TSM_CLUSTER ?? '') !== '') {
        try {
          const live = await ctx.client().getKey(file.keyId);
          cluster = { checked: true, publicKey: live.publicKey };
          if (live.publicKey !== publicKey) problems.push(`the cluster's key ${file.keyId} has public key ${live.publicKey}, the backup ${publicKey}`);
          if (live.scheme !== file.scheme) problems.push(`the cluster's key is ${live.scheme}, the backup ${file.scheme}`);
        } catch (e) {
          cluster = { checked: true };
          problems.push(`cannot check against the cluster: ${(e as Error).message}`);
        }
      }
      const ok = report.ok && problems.length === report.problems.length;
      const out = { ok, keyId: file.keyId, scheme: file.scheme, epoch: file.epoch, publicKey, threshold: `${file.threshold}-of-${file.parties.length}`, backups: report.backups, missing: report.missing, problems, cluster };
      printResult(out, json(), () =>
        [
          `${ok ? 'OK' : 'FAILED'}: backup of ${file.keyId} (${file.scheme}, ${out.threshold}, epoch ${file.epoch}), public key ${publicKey}`,
          ...report.backups.map((b) => `  player ${b.player}: ${b.ok ? 'proof verifies' : `INVALID (${b.reason ?? ''})`}`),
          ...problems.map((p) => `  problem: ${p}`),
          ...(cluster.checked && cluster.publicKey === publicKey ? ['  matches the live cluster'] : []),
        ].join('\n'),
      );
      if (!ok) process.exitCode = 1;
    });

  program
    .command('recover')
    .description(
      'OFFLINE: reconstruct a private key from a backup file (--backup) or an export file (--wrapped); prints it, or with --out FILE writes it (mode 0600) and prints only the public data',
    )
    .option('--backup <file>', 'backup file (tsm backup create)')
    .option('--wrapped <file>', 'export file (tsm keys export)')
    .requiredOption('--key <file>', 'the operator / recipient secret key file (tsm backup keygen)')
    .option('--public-key <hex>', 'the public key the result must have')
    .option('--out <file>', 'write the recovered key (JSON, with privateKey, mode 0600) to this file instead of printing the private key')
    .option('--force', 'with --out: overwrite an existing file')
    .action((o: { backup?: string; wrapped?: string; key: string; publicKey?: string; out?: string; force?: boolean }) => {
      if ((o.backup === undefined) === (o.wrapped === undefined)) throw new CliError('INVALID_ARGUMENT', 'give exactly one of --backup FILE or --wrapped FILE');
      if (o.force === true && o.out === undefined) throw new CliError('INVALID_ARGUMENT', '--force needs --out FILE');
      const expected = o.publicKey !== undefined ? hexArg(o.publicKey, '--public-key') : undefined;
      const sk = loadSecretKey(o.key);
      /** Print the result; with --out the private key goes only to the 0600 file. */
      const emit = (out: { privateKey: string } & Record<string, unknown>, lines: (privateLine: string) => string) => {
        if (o.out === undefined) {
          printResult(out, json(), () => lines(`private key ${out.privateKey}`));
          return;
        }
        writeSecretFile(o.out, JSON.stringify(out, null, 2) + '\n', o.force === true);
        const { privateKey: _secret, ...pub } = out;
        printResult({ ...pub, file: o.out }, json(), () => lines(`private key written to ${o.out!} (mode 0600)`));
      };
      try {
        if (o.backup !== undefined) {
          const file = loadBackupFile(o.backup);
          const r = recoverFromBackups(file, sk.secretKey, expected ? { expectedPublicKey: expected } : {});
          const out = {
            publicKey: toHex(r.publicKey),
            privateKey: toHex(r.privateKey),
            scheme: r.scheme,
            keyId: r.keyId,
            epoch: r.epoch,
            chainCode: toHex(r.chainCode),
            players: [...r.players],
            ...(Object.keys(r.badRows).length > 0 ? { badRows: r.badRows } : {}),
            ...(r.skipped.length > 0 ? { skipped: r.skipped } : {}),
            ...(r.scheme === 'frost-ed25519' ? { note: ED25519_NOTE } : {}),
          };
          r.privateKey.fill(0);
          emit(out, (privateLine) =>
            [
              `recovered ${r.keyId} (${r.scheme}, epoch ${r.epoch}) from players ${r.players.join(',')}`,
              `public key  ${out.publicKey}`,
              privateLine,
              ...(out.note ? [`note: ${out.note}`] : []),
              ...(r.skipped.length > 0 ? [`skipped: ${r.skipped.map((s) => `player ${s.player} (${s.reason})`).join('; ')}`] : []),
            ].join('\n'),
          );
        } else {
          let file;
          try {
            file = parseExportFile(readText(o.wrapped!, 'export file'));
          } catch (e) {
            throw cliError(e);
          }
          const r = combineExport(file, sk.secretKey, expected ? { expectedPublicKey: expected } : {});
          const out = {
            publicKey: toHex(r.publicKey),
            privateKey: toHex(r.privateKey),
            scheme: r.scheme,
            keyId: r.keyId,
            exportId: r.exportId,
            players: [...r.players],
            ...(r.scheme === 'frost-ed25519' ? { note: ED25519_NOTE } : {}),
          };
          r.privateKey.fill(0);
          emit(out, (privateLine) =>
            [`recovered the export ${r.exportId} of ${r.keyId} (${r.scheme}) from players ${r.players.join(',')}`, `public key  ${out.publicKey}`, privateLine, ...(out.note ? [`note: ${out.note}`] : [])].join('\n'),
          );
        }
      } catch (e) {
        throw cliError(e);
      } finally {
        sk.secretKey.fill(0);
      }
    });

  const keys = subcommand(program, 'keys', 'create, list and show keys');

  keys
    .command('export')
    .description("export a key as re-randomised shares wrapped to a recipient key (needs the key's export policy on every node)")
    .argument('<keyId>')
    .requiredOption('--to <publicKey>', 'recipient HPKE public key, hex (allowed by the export policy)')
    .requiredOption('--out <file>', 'export file to write')
    .option('--force', 'overwrite an existing file')
    .action(async (keyId: string, o: { to: string; out: string; force?: boolean }) => {
      const { pk } = hpkePublicKeyArg(o.to, '--to');
      const file = await ctx.client().exportKey(keyId, pk);
      writeSecretFile(o.out, serializeExportFile(file), o.force === true);
      const r = { keyId, exportId: file.exportId, scheme: file.scheme, publicKey: toHex(file.publicKey), players: file.shares.map((s) => s.player), file: o.out };
      printResult(r, json(), () => `export ${file.exportId} of ${keyId} (${file.scheme}) written to ${o.out}; only the holder of the recipient key can combine it (tsm recover --wrapped)`);
    });

  keys
    .command('export-policy')
    .description('admin: allow a key to be exported to given recipient keys (--allow --to), forbid it (--forbid), or show the policy')
    .argument('<keyId>')
    .option('--allow', 'allow export')
    .option('--forbid', 'forbid export (the default for every key)')
    .option('--to <keys>', 'recipient public keys allowed, hex, comma-separated')
    .action(async (keyId: string, o: { allow?: boolean; forbid?: boolean; to?: string }) => {
      const c = ctx.client();
      if (o.allow && o.forbid) throw new CliError('INVALID_ARGUMENT', 'give --allow or --forbid, not both');
      let p;
      if (o.allow || o.forbid) {
        if (o.allow && o.to === undefined) throw new CliError('INVALID_ARGUMENT', '--allow needs --to RECIPIENT_PUB[,RECIPIENT_PUB…]');
        const recipients = o.allow ? o.to!.split(',').map((h) => hpkePublicKeyArg(h.trim(), '--to').pk) : [];
        p = await c.setExportPolicy(keyId, { allowExport: o.allow === true, recipients });
      } else p = await c.getExportPolicy(keyId);
      printResult(p, json(), () => `${keyId}: export ${p.allowExport ? 'ALLOWED' : 'forbidden'}${p.recipients.length ? ` to ${p.recipients.join(', ')}` : ''}`);
    });

  keys
    .command('import')
    .description('import an existing private key: split on this machine, each share encrypted to one node (needs policy.allowImport)')
    .addOption(new Option('--scheme <scheme>', 'signature scheme').choices([...SCHEMES]).makeOptionMandatory())
    .requiredOption('--threshold <k-of-n>', 'e.g. 2-of-3 (players 1..n)')
    .option('--private-key-file <file>', 'hex private key (suite scalar encoding; Ed25519: the raw little-endian scalar)')
    .option('--ed25519-seed-file <file>', 'frost-ed25519: hex RFC 8032 seed')
    .option('--mnemonic-file <file>', 'BIP39 mnemonic (English); secp256k1 schemes')
    .option('--passphrase-file <file>', 'BIP39 passphrase (with --mnemonic-file)')
    .option('--path <path>', "BIP32 path of the key (with --mnemonic-file), e.g. m/44'/0'/0'/0/0", 'm')
    .addOption(new Option('--protocol <protocol>', 'ECDSA signing protocol of the imported key').choices(['honest-majority']))
    .action(
      async (o: { scheme: string; threshold: string; privateKeyFile?: string; ed25519SeedFile?: string; mnemonicFile?: string; passphraseFile?: string; path: string; protocol?: 'honest-majority' }) => {
        const given = [o.privateKeyFile, o.ed25519SeedFile, o.mnemonicFile].filter((x) => x !== undefined).length;
        if (given !== 1) throw new CliError('INVALID_ARGUMENT', 'give exactly one of --private-key-file, --ed25519-seed-file, --mnemonic-file');
        if (o.passphraseFile !== undefined && o.mnemonicFile === undefined) throw new CliError('INVALID_ARGUMENT', '--passphrase-file goes with --mnemonic-file');
        if (o.path !== 'm' && o.mnemonicFile === undefined) throw new CliError('INVALID_ARGUMENT', '--path goes with --mnemonic-file');
        const cluster = ctx.loadCluster();
        const nodeKeys: Record<number, string> = {};
        for (const n of cluster.nodes) if (n.hpkePublicKey !== undefined) nodeKeys[n.player] = n.hpkePublicKey;
        const nTotal = Number(/-of-(\d{1,2})$/.exec(o.threshold)?.[1] ?? 0);
        const missing = Array.from({ length: nTotal }, (_, i) => i + 1).filter((p) => nodeKeys[p] === undefined);
        if (missing.length > 0)
          throw new CliError('NODE_ENCRYPTION_KEY_MISSING', `the cluster file pins no HPKE key for node(s) ${missing.join(', ')} (clusters created before key import have none; re-run tsm init or add nodes[].hpkePublicKey)`);
        let source: { privateKey: Uint8Array } | { ed25519Seed: Uint8Array } | { mnemonic: string; path: string; passphrase?: string };
        if (o.privateKeyFile !== undefined) source = { privateKey: readHexKeyFile(o.privateKeyFile, 'private key file') };
        else if (o.ed25519SeedFile !== undefined) source = { ed25519Seed: readHexKeyFile(o.ed25519SeedFile, 'seed file') };
        else {
          const words = readSecret(o.mnemonicFile!, 'mnemonic file').trim().split(/\s+/);
          if (words.length < 12 || words.length > 24 || !words.every((w) => /^[a-z]{2,10}$/.test(w))) throw new CliError('INVALID_MNEMONIC', 'the mnemonic file must hold 12 to 24 lower-case English BIP39 words');
          const passphrase = o.passphraseFile !== undefined ? readSecret(o.passphraseFile, 'passphrase file').replace(/\r?\n$/, '') : undefined;
          source = { mnemonic: words.join(' '), path: o.path, ...(passphrase !== undefined ? { passphrase } : {}) };
        }
        const k = await ctx.client().importKey({ scheme: o.scheme as KeyScheme, threshold: o.threshold, nodeKeys, ...source, ...(o.protocol ? { protocol: o.protocol } : {}) });
        if ('privateKey' in source) source.privateKey.fill(0);
        if ('ed25519Seed' in source) source.ed25519Seed.fill(0);
        printResult(k, json(), () =>
          [
            `${k.keyId}  ${k.scheme}  ${k.threshold}  ${k.protocol ?? ''}  players ${k.players.join(',')}`,
            `public key ${k.publicKey}`,
            `imported (import ${k.importId}) and refreshed (epoch ${k.epoch}); erase the key file(s) on this machine now`,
          ].join('\n'),
        );
      },
    );
}
