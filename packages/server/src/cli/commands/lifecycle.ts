/**
 * CLI commands of refresh, reshare and derivation (docs/operations.md):
 *
 *   tsm keys refresh ID
 *   tsm keys reshare ID --threshold 3-of-5 --players 1,2,3,4,5
 *   tsm keys xpub ID [--path m/0]
 *   tsm sign --key ID --message HEX --path m/0/5      (adds --path to the sign command)
 */
import type { Command } from 'commander';
import { hexArg, playersArg, type CliContext } from '../context.js';
import { CliError, printResult } from '../output.js';

function sub(program: Command, name: string, description: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);
}

export function lifecycleCommands(program: Command, ctx: CliContext): void {
  const keys = sub(program, 'keys', 'create, list and show keys');
  const json = () => ctx.g().json === true;
  const human = (r: { keyId: string; threshold: string; players: number[]; publicKey: string; epoch: number }, what: string) =>
    `${r.keyId}  ${what}: ${r.threshold}  players ${r.players.join(',')}  epoch ${r.epoch}\npublic key ${r.publicKey} (unchanged)`;

  keys
    .command('refresh')
    .description("refresh a key's shares (same key, same players, fresh shares; presignatures are deleted)")
    .argument('<keyId>')
    .option('--mode <mode>', 'fan-out (default) or primary')
    .option('--primary <player>', 'primary node for --mode primary')
    .action(async (id: string, o: { mode?: string; primary?: string }) => {
      const r = await ctx.client(o.mode, o.primary).refreshKey(id);
      printResult(r, json(), () => human(r, 'refreshed'));
    });

  keys
    .command('reshare')
    .description('move a key to a new threshold and/or player set (same public key)')
    .argument('<keyId>')
    .requiredOption('--threshold <k-of-n>', 'new threshold, e.g. 3-of-5')
    .requiredOption('--players <list>', 'new players, e.g. 1,2,3,4,5')
    .option('--mode <mode>', 'fan-out (default) or primary')
    .option('--primary <player>', 'primary node for --mode primary')
    .action(async (id: string, o: { threshold: string; players: string; mode?: string; primary?: string }) => {
      const players = playersArg(o.players)!;
      const r = await ctx.client(o.mode, o.primary).reshareKey(id, { threshold: o.threshold, players });
      printResult(r, json(), () => human(r, 'reshared'));
    });

  keys
    .command('xpub')
    .description('BIP32 extended public key of a secp256k1 key (or of its child at --path)')
    .argument('<keyId>')
    .option('--path <path>', 'non-hardened derivation path, e.g. m/0', 'm')
    .action(async (id: string, o: { path: string }) => {
      const r = await ctx.client().xpub(id, { path: o.path });
      printResult(r, json(), () => `${r.xpub}\npath ${r.path}`);
    });

  // `tsm sign --path`: the sign command of main.ts gets the option and an action that passes it on.
  const sign = program.commands.find((c) => c.name() === 'sign');
  if (!sign) throw new CliError('INTERNAL', 'the sign command is missing');
  sign
    .option('--path <path>', 'sign with the key derived at this non-hardened path, e.g. m/0/5 (the output public key is the derived one)')
    .action(async (o: { key: string; message: string; players?: string; mode?: string; primary?: string; path?: string }) => {
      const message = hexArg(o.message, '--message');
      const players = playersArg(o.players);
      const r = await ctx.client(o.mode, o.primary).sign({ keyId: o.key, message, ...(players ? { players } : {}), ...(o.path !== undefined ? { path: o.path } : {}) });
      printResult(r, json(), () =>
        [
          `signature ${r.signature}`,
          ...(r.der ? [`der ${r.der}`, `recoveryId ${r.recoveryId}`] : []),
          `public key ${r.publicKey}${o.path !== undefined ? ` (derived at ${o.path})` : ''}`,
        ].join('\n'),
      );
    });
}
