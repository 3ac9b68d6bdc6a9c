// Makes the CLI entry point executable after `tsc -b` (npm links it as the `tsm` bin).
import { chmodSync, existsSync } from 'node:fs';
const cli = new URL('../packages/server/dist/cli/main.js', import.meta.url);
if (existsSync(cli)) chmodSync(cli, 0o755);
