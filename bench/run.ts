/**
 * `npm run bench`: builds, then runs every benchmark module and prints the figures as ratios in one table
 * (`--json` prints them as JSON lines instead; `--only NAME` runs one module). Times are never asserted in tests:
 * this is where they are watched. Generated data lives in a temporary folder that is removed at the end.
 *
 * Knobs (bench/README.md): `--rounds N` (or DRKIT_BENCH_ROUNDS=N) paired rounds per comparison, 5 by default;
 * `--quick` 3 rounds and without the 1 GB and 100k-file sets (about a third of the time); `--restic 0.14` or
 * `--restic 0.18` compares against one restic only. The full run takes about half an hour on 2 quiet cores.
 *
 * To add a benchmark (kit create, drill), write a module exporting a BenchModule (bench/types.ts) and list it below.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchContext, BenchFigure, BenchModule } from './types.js';
import { startupBenchmarks } from './startup.js';
import { offsiteBenchmarks } from './offsite.js';
import { onsiteBenchmarks } from './onsite.js';
import { memoryBenchmarks } from './memory.js';
import { kitCreateBenchmarks } from './kit-create.js';
import { drillBenchmarks } from './drill.js';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const MODULES: readonly BenchModule[] = [startupBenchmarks, offsiteBenchmarks, onsiteBenchmarks, memoryBenchmarks, kitCreateBenchmarks, drillBenchmarks];

/** Debian 12's restic and Debian 13's, where installed, each labelled with the version it prints. */
function restics(only: string | undefined): { label: string; binary: string }[] {
  const found: { label: string; binary: string }[] = [];
  for (const binary of ['/usr/bin/restic', process.env['DRKIT_BENCH_RESTIC_018'] ?? '/opt/restic-0.18/usr/bin/restic']) {
    if (!existsSync(binary)) continue;
    const label = /restic (\d+\.\d+)/.exec(execFileSync(binary, ['version'], { encoding: 'utf8' }))?.[1] ?? binary;
    if (only === undefined || only === label) found.push({ label, binary });
  }
  return found;
}

function option(argv: readonly string[], name: string): string | undefined {
  const index = argv.indexOf(name);
  return index === -1 ? undefined : argv[index + 1];
}

function formatValue(figure: BenchFigure): string {
  return figure.unit === 'x' ? `${figure.value.toFixed(2)}×` : `${figure.value} ${figure.unit}`;
}

async function main(argv: readonly string[]): Promise<number> {
  const json = argv.includes('--json');
  const only = option(argv, '--only');
  const quick = argv.includes('--quick');
  const rounds = Number(option(argv, '--rounds') ?? process.env['DRKIT_BENCH_ROUNDS'] ?? (quick ? 3 : 5));
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a whole number of rounds, 1 or more (got ${String(rounds)})`);
  const scratch = mkdtempSync(join(tmpdir(), 'drkit-bench-'));
  const context: BenchContext = {
    cli: fileURLToPath(new URL('../src/cli.js', import.meta.url)),
    node: process.execPath,
    scratch, rounds, quick, restics: restics(option(argv, '--restic')),
    log: (line) => { process.stderr.write(`bench: ${line}\n`); },
  };
  const figures: (BenchFigure & { module: string })[] = [];
  let failed = false;
  const cleanup = (): void => rmSync(scratch, { recursive: true, force: true });
  process.once('SIGINT', () => { cleanup(); process.exit(130); });
  context.log(`${rounds} paired rounds per comparison${quick ? ' (quick)' : ''}; restic ${context.restics.map((restic) => restic.label).join(' and ')}`);
  try {
    for (const module of MODULES) {
      if (only !== undefined && module.name !== only) continue;
      context.log(`module ${module.name}`);
      try {
        for (const figure of await module.run(context)) figures.push({ module: module.name, ...figure });
      } catch (error) {
        failed = true;
        context.log(`module ${module.name} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  } finally {
    cleanup();
  }
  if (json) {
    for (const figure of figures) process.stdout.write(`${JSON.stringify(figure)}\n`);
  } else {
    const width = Math.max(...figures.map((figure) => figure.name.length), 10);
    for (const figure of figures) {
      const verdict = figure.met === undefined ? '' : figure.met ? 'ok  ' : 'MISS';
      process.stdout.write(`${figure.name.padEnd(width)}  ${formatValue(figure).padStart(7)}  ${(figure.goal ?? '').padEnd(8)} ${verdict}  ${figure.detail ?? ''}\n`);
    }
  }
  return failed ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
