/**
 * `npm run bench`: builds, then runs every benchmark module and prints the figures as ratios in one table
 * (`--json` prints them as JSON lines instead; `--only NAME` runs one module). Times are never asserted in tests:
 * this is where they are watched. Generated data lives in a temporary folder that is removed at the end.
 *
 * To add a benchmark (kit create, drill), write a module exporting a BenchModule (bench/types.ts) and list it below.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchContext, BenchFigure, BenchModule } from './types.js';
import { startupBenchmarks } from './startup.js';
import { backupBenchmarks } from './backup.js';
import { kitCreateBenchmarks } from './kit-create.js';
import { drillBenchmarks } from './drill.js';

const MODULES: readonly BenchModule[] = [startupBenchmarks, backupBenchmarks, kitCreateBenchmarks, drillBenchmarks];

function formatValue(figure: BenchFigure): string {
  return figure.unit === 'x' ? `${figure.value.toFixed(2)}×` : `${figure.value} ${figure.unit}`;
}

async function main(argv: readonly string[]): Promise<number> {
  const json = argv.includes('--json');
  const onlyIndex = argv.indexOf('--only');
  const only = onlyIndex === -1 ? undefined : argv[onlyIndex + 1];
  const scratch = mkdtempSync(join(tmpdir(), 'drkit-bench-'));
  const context: BenchContext = {
    cli: fileURLToPath(new URL('../src/cli.js', import.meta.url)),
    node: process.execPath,
    scratch,
    log: (line) => { process.stderr.write(`bench: ${line}\n`); },
  };
  const figures: (BenchFigure & { module: string })[] = [];
  let failed = false;
  const cleanup = (): void => rmSync(scratch, { recursive: true, force: true });
  process.once('SIGINT', () => { cleanup(); process.exit(130); });
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
