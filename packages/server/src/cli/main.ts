#!/usr/bin/env node
/**
 * `tsm`: the OpenTSM command line. `tsm --help` and `tsm <command> --help` document every command.
 *
 * Without flags the CLI uses .tsm/dev/cluster.json and .tsm/dev/admin.key; --cluster and
 * --credentials (or TSM_CLUSTER, TSM_CREDENTIALS) choose others. Every error is one line on
 * stderr and a non-zero exit; with --json, errors are {"error":{"code","message"}}.
 */
import { Command, CommanderError, Option } from 'commander';
import { fileURLToPath } from 'node:url';
import { generateApplicationKey, type TsmClient } from '@opentsm/client';
import { SCHEMES, getSuite, isScheme } from '@opentsm/core';
import { writeCredentials } from './credentials.js';
import { client, DEFAULT_DIR, hexArg, intArg, loadCluster, playersArg, wantsJson, type CliContext, type CommandModule, type GlobalOpts } from './context.js';
import { lifecycleCommands } from './commands/lifecycle.js';
import { runDev } from './dev.js';
import { initCluster } from './init.js';
import { CliError, printError, printResult } from './output.js';
import { checkHealth, waitForCluster } from './status.js';

const program = new Command();
program
  .name('tsm')
  .description('OpenTSM: threshold key management. Run a cluster, create keys, sign.')
  .version('0.1.0')
  .option('--cluster <file>', 'cluster file (default .tsm/dev/cluster.json, or $TSM_CLUSTER)')
  .option('--credentials <file>', 'application credentials (default .tsm/dev/admin.key, or $TSM_CREDENTIALS)')
  .option('--timeout <seconds>', 'request timeout in seconds (default 60)')
  .option('--json', 'machine-readable JSON output')
  .configureOutput({
    // Usage errors follow the CLI's error conventions: one line, or JSON with --json.
    outputError: (str) => {
      const message = str.replace(/^error: /, '').replace(/\s+/g, ' ').trim();
      if (wantsJson()) process.stderr.write(JSON.stringify({ error: { code: 'INVALID_ARGUMENT', message } }) + '\n');
      else process.stderr.write(`tsm: error: ${message} (run with --help for usage)\n`);
    },
  })
  .exitOverride();

const g = (): GlobalOpts => program.opts<GlobalOpts>();

program
  .command('init')
  .description('create a cluster: cluster file, node configs, TLS identities, master keys, admin credentials')
  .option('--nodes <n>', 'number of nodes', '3')
  .option('--dir <dir>', 'output directory', DEFAULT_DIR)
  .option('--host <host>', 'host/IP the nodes listen on and are reached at', '127.0.0.1')
  .option('--base-port <port>', 'node N gets API port base+N and peer port base+100+N', '7000')
  .option('--store <url>', 'store URL per node; {n} is the player (default sqlite:./node-{n}.db; or postgres://...)')
  .option('--force', 'overwrite an existing cluster directory')
  .action(async (o: { nodes: string; dir: string; host: string; basePort: string; store?: string; force?: boolean }) => {
    const r = await initCluster({
      nodes: intArg(o.nodes, '--nodes'),
      dir: o.dir,
      host: o.host,
      basePort: intArg(o.basePort, '--base-port'),
      ...(o.store ? { store: o.store } : {}),
      force: o.force === true,
      log: g().json ? undefined : (l) => console.log(l),
    });
    printResult(r, g().json === true, () => `initialised ${r.nodeConfigs.length} nodes in ${r.dir}`);
  });

const node = program.command('node').description('run a node');
node
  .command('start')
  .description('run one node of a cluster (stops cleanly on SIGINT/SIGTERM)')
  .requiredOption('--config <file>', 'node config file (node-N.json)')
  .action(async (o: { config: string }) => {
    const { startNodeFromFile } = await import('../node/node.js');
    const running = await startNodeFromFile(o.config);
    const stop = () => {
      void running.close().then(() => process.exit(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

program
  .command('dev')
  .description('initialise (if needed) and run a local cluster of node processes; Ctrl-C stops them all')
  .option('--nodes <n>', 'number of nodes', '3')
  .option('--dir <dir>', 'cluster directory', DEFAULT_DIR)
  .option('--host <host>', 'host', '127.0.0.1')
  .option('--base-port <port>', 'base port', '7000')
  .action(async (o: { nodes: string; dir: string; host: string; basePort: string }) => {
    await runDev({ nodes: intArg(o.nodes, '--nodes'), dir: o.dir, host: o.host, basePort: intArg(o.basePort, '--base-port'), cliPath: fileURLToPath(import.meta.url) });
  });

program
  .command('status')
  .description('health of every node; with --wait, exit 0 as soon as all are up (1 on timeout)')
  .option('--wait <seconds>', 'wait up to this long for all nodes and peer channels to be up')
  .action(async (o: { wait?: string }) => {
    const cluster = loadCluster(g());
    const health = o.wait !== undefined ? await waitForCluster(cluster, Number(o.wait) * 1000) : await checkHealth(cluster);
    printResult({ nodes: health }, g().json === true, () =>
      health.map((h) => `node ${h.player} ${h.url}: ${h.status}${h.peers ? ' peers ' + JSON.stringify(h.peers) : ''}${h.error ? ' (' + h.error + ')' : ''}`).join('\n'),
    );
    if (health.some((h) => h.status !== 'up')) process.exitCode = 1;
  });

const keys = program.command('keys').description('create, list and show keys');
keys
  .command('create')
  .description('create a key by distributed key generation')
  .addOption(new Option('--scheme <scheme>', 'signature scheme').choices([...SCHEMES]).makeOptionMandatory())
  .requiredOption('--threshold <k-of-n>', 'e.g. 2-of-3')
  .option('--players <list>', 'players holding shares, e.g. 1,2,3 (default: the first n)')
  .addOption(
    new Option('--protocol <protocol>', 'ECDSA only: dkls23 (default; any k-of-n, incl. 2-of-2) or honest-majority (faster; needs 2k−1 players online, n ≥ 2k−1)').choices([
      'honest-majority',
      'dkls23',
    ]),
  )
  .option('--mode <mode>', 'fan-out (default) or primary')
  .option('--primary <player>', 'primary node for --mode primary')
  .action(async (o: { scheme: string; threshold: string; players?: string; mode?: string; primary?: string; protocol?: 'honest-majority' | 'dkls23' }) => {
    const players = playersArg(o.players);
    const k = await client(g(), o.mode, o.primary).createKey({
      scheme: o.scheme as Parameters<TsmClient['createKey']>[0]['scheme'],
      threshold: o.threshold,
      ...(players ? { players } : {}),
      ...(o.protocol ? { protocol: o.protocol } : {}),
    });
    printResult(k, g().json === true, () => `${k.keyId}  ${k.scheme}  ${k.threshold}  ${k.protocol ?? ''}  players ${k.players.join(',')}\npublic key ${k.publicKey}`);
  });
keys
  .command('list')
  .description("list the calling application's keys")
  .action(async () => {
    const list = await client(g()).listKeys();
    printResult({ keys: list }, g().json === true, () => (list.length === 0 ? 'no keys' : list.map((k) => `${k.keyId}  ${k.scheme}  ${k.threshold}  ${k.publicKey}`).join('\n')));
  });
keys
  .command('show')
  .description('show one key (public data)')
  .argument('<keyId>')
  .action(async (id: string) => {
    const c = client(g());
    const k = await c.getKey(id);
    const pool = k.protocol === 'honest-majority' ? await c.presignaturePool(id) : undefined;
    printResult(pool ? { ...k, presignatures: Object.fromEntries(pool.map((p) => [String(p.player), p.pool])) } : k, g().json === true, () =>
      [
        k.keyId,
        `  scheme     ${k.scheme}`,
        `  protocol   ${k.protocol ?? 'frost'}`,
        `  threshold  ${k.threshold}`,
        `  players    ${k.players.join(',')}`,
        `  public key ${k.publicKey}`,
        ...(pool ? [`  presignatures (pool of the default signing set, per node): ${pool.map((p) => `node ${p.player}: ${p.pool}`).join(', ')}`] : []),
      ].join('\n'),
    );
  });

program
  .command('sign')
  .description('sign a message (hex) with a key')
  .requiredOption('--key <keyId>', 'key id')
  .requiredOption('--message <hex>', 'message bytes, hex')
  .option('--players <list>', 'signers, e.g. 1,3 (default: the first k reachable)')
  .option('--path <path>', 'sign with the key derived at this non-hardened path, e.g. m/0/5 (the output public key is the derived one)')
  .option('--mode <mode>', 'fan-out (default) or primary')
  .option('--primary <player>', 'primary node for --mode primary')
  .action(async (o: { key: string; message: string; players?: string; path?: string; mode?: string; primary?: string }) => {
    const message = hexArg(o.message, '--message');
    const players = playersArg(o.players);
    const r = await client(g(), o.mode, o.primary).sign({ keyId: o.key, message, ...(players ? { players } : {}), ...(o.path !== undefined ? { path: o.path } : {}) });
    printResult(r, g().json === true, () =>
      [
        `signature ${r.signature}`,
        ...(r.der ? [`der ${r.der}`, `recoveryId ${r.recoveryId}`] : []),
        `public key ${r.publicKey}${o.path !== undefined ? ` (derived at ${o.path})` : ''}`,
      ].join('\n'),
    );
  });

program
  .command('verify')
  .description('verify a signature offline (exit 0 valid, 1 invalid)')
  .addOption(new Option('--scheme <scheme>', 'signature scheme').choices([...SCHEMES]).makeOptionMandatory())
  .requiredOption('--public-key <hex>', 'public key, hex')
  .requiredOption('--message <hex>', 'message, hex')
  .requiredOption('--signature <hex>', 'signature, hex')
  .action((o: { scheme: string; publicKey: string; message: string; signature: string }) => {
    if (!isScheme(o.scheme)) throw new CliError('INVALID_SCHEME', `unknown scheme ${o.scheme}`);
    const ok = getSuite(o.scheme).verify(hexArg(o.signature, '--signature'), hexArg(o.message, '--message'), hexArg(o.publicKey, '--public-key'));
    printResult({ valid: ok }, g().json === true, () => (ok ? 'valid' : 'INVALID'));
    process.exitCode = ok ? 0 : 1;
  });

program
  .command('presign')
  .description('honest-majority ECDSA: fill the presignature pool of a key (nodes also refill it in the background)')
  .requiredOption('--key <keyId>', 'key id')
  .requiredOption('--count <n>', 'number of presignatures to add (1..4096)')
  .option('--players <list>', 'the signing set of exactly 2k−1 players (default: the first 2k−1)')
  .action(async (o: { key: string; count: string; players?: string }) => {
    const players = playersArg(o.players);
    const r = await client(g()).presign({ keyId: o.key, count: intArg(o.count, '--count'), ...(players ? { players } : {}) });
    printResult(r, g().json === true, () => `${r.created} presignatures added for players ${r.players.join(',')}; pool ${r.pool}`);
  });

const apps = program.command('apps').description('manage applications (admin)');
apps
  .command('create')
  .description('create an application key pair, register it on every node, write its credentials file (0600)')
  .requiredOption('--name <name>', 'application name')
  .requiredOption('--out <file>', 'credentials file to write')
  .addOption(new Option('--algorithm <alg>', 'request-signing algorithm').choices(['ed25519', 'p256']).default('ed25519'))
  .addOption(new Option('--role <role>', 'role').choices(['app', 'admin']).default('app'))
  .action(async (o: { name: string; out: string; algorithm: 'ed25519' | 'p256'; role: 'app' | 'admin' }) => {
    const kp = generateApplicationKey(o.algorithm);
    const a = await client(g()).createApplication({ name: o.name, publicKey: kp.publicKey, algorithm: o.algorithm, role: o.role });
    writeCredentials(o.out, { applicationId: a.applicationId, algorithm: o.algorithm, privateKey: kp.privateKey, publicKey: kp.publicKey });
    printResult(a, g().json === true, () => `application ${a.applicationId} (${o.role}); credentials written to ${o.out}`);
  });
apps
  .command('list')
  .description('list applications')
  .action(async () => {
    const list = await client(g()).listApplications();
    printResult({ applications: list }, g().json === true, () => list.map((a) => `${a.applicationId}  ${a.name}  ${a.role}${a.enabled ? '' : ' (disabled)'}`).join('\n'));
  });

const audit = program.command('audit').description('audit log');
audit
  .command('verify')
  .description("check a node's hash-chained audit log (reads the node's store directly)")
  .requiredOption('--config <file>', 'node config file')
  .action(async (o: { config: string }) => {
    const { verifyNodeAudit } = await import('../node/node.js');
    const r = await verifyNodeAudit(o.config);
    printResult(r, g().json === true, () => (r.ok ? `audit chain OK (${r.entries} entries)` : `audit chain BROKEN at entry ${r.brokenAt}: ${r.reason}`));
    if (!r.ok) process.exitCode = 1;
  });

// Feature command modules: one line each.
const commandModules: CommandModule[] = [lifecycleCommands];
commandModules.push((await import('./commands/backup.js')).backupCommands);
const cliContext: CliContext = { g, client: (mode, primary) => client(g(), mode, primary), loadCluster: () => loadCluster(g()) };
for (const register of commandModules) register(program, cliContext);

async function main(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') process.exit(0);
      process.exit(e.exitCode || 2);
    }
    printError(e, wantsJson());
    process.exit(e instanceof CliError ? e.exitCode : 1);
  }
}

await main();
