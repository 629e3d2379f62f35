/**
 * The contract between bench/run.ts and the benchmark modules. A module measures something against a baseline
 * and returns figures; run.ts prints them all in one table (and as JSON with --json). Add a benchmark (e.g. kit
 * create) by writing a module that exports a `BenchModule` and listing it in run.ts.
 */
export interface BenchContext {
  /** absolute path of the built drkit CLI (dist/src/cli.js) */
  cli: string;
  /** node's path */
  node: string;
  /** a scratch folder for this run, removed at the end */
  scratch: string;
  /** paired rounds per comparison (`--rounds N`, DRKIT_BENCH_ROUNDS; 5 by default, 3 with --quick) */
  rounds: number;
  /** --quick: fewer rounds, and the slow data sets (1 GB, 100k files) left out */
  quick: boolean;
  /** the restic binaries to compare against (`--restic 0.14` or `--restic 0.18` picks one) */
  restics: readonly { label: string; binary: string }[];
  /** a progress line on stderr */
  log(line: string): void;
}

export interface BenchFigure {
  /** what was measured ("drkit backup offsite / restic backup") */
  name: string;
  /** the figure: a ratio, or an absolute value in `unit` */
  value: number;
  unit: 'x' | 'ms' | 'MiB' | 's' | 'count';
  /** the goal as text ("≤ 1.05×") and whether it was met; absent for figures without a goal */
  goal?: string;
  met?: boolean;
  /** the raw numbers behind a ratio */
  detail?: string;
}

export interface BenchModule {
  name: string;
  run(context: BenchContext): Promise<BenchFigure[]>;
}
