/**
 * CLI commands of refresh, reshare and derivation (docs/operations.md):
 *
 *   tsm keys refresh ID
 *   tsm keys reshare ID --threshold 3-of-5 --players 1,2,3,4,5
 *   tsm keys xpub ID [--path m/0]
 *
 * (`tsm sign --path m/0/5`, signing with a derived key, is an option of the sign command in main.ts.)
 */
import type { Command } from 'commander';
import { playersArg, subcommand, type CliContext } from '../context.js';
import { printResult } from '../output.js';

export function lifecycleCommands(program: Command, ctx: CliContext): void {
  const keys = subcommand(program, 'keys', 'create, list and show keys');
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
}
