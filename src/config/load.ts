/**
 * Reads and validates the YAML config. Every mistake is reported as `config.yaml:LINE: key.path: rule`, with the
 * line found by walking yaml's document tree along the schema issue's path (parseDocument + LineCounter keep
 * each node's source range). All mistakes are reported at once, not the first only.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import type { $ZodIssue } from 'zod/v4/core';
import { UserError } from '../errors.js';
import { parseDuration } from './duration.js';
import { parseTargetSpec } from '../core/target-spec.js';
import { DEFAULT_RETENTION } from '../core/retention.js';
import { resolvePath } from '../adapters/paths.js';
import { configSchema, type RawConfig } from './schema.js';
import type { Config, HealthcheckUrls, JobHooks, OffsiteKeep, OnsiteKeep, Schedule } from './types.js';

export interface ConfigMistake {
  line: number;
  /** dotted key path ("onsite.keep.daily", "sources[2]"), empty for the whole file */
  path: string;
  message: string;
}

const DEFAULT_OFFSITE_KEEP: OffsiteKeep = { last: 3, daily: 7, weekly: 5, monthly: 12, yearly: 3 };
const DEFAULT_MAX_AGE = { onsite: '26h', offsite: '26h' } as const;
/** a weekly `restic check` (structure only unless readDataSubset is set), an hour after the nightly backup */
const DEFAULT_CHECK = { schedule: { every: 'weekly', at: '04:00' } as Schedule, maxAge: '8d' } as const;
/** a kit is re-checked (custodians asked, a drill run) once a year, as its checklist says */
export const DEFAULT_KIT_MAX_AGE = '365d';

/** Reads `file` and returns the validated config, or throws a UserError listing every mistake with its line. */
export function loadConfig(file: string): Config {
  const absolute = resolve(file);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError('E_CONFIG_MISSING', code === 'ENOENT' ? `config file ${absolute} does not exist` : `cannot read config file ${absolute}: ${code ?? String(error)}`, {
      hints: code === 'ENOENT' ? ['create it (see docs/config.md), or point to it with --config PATH'] : [],
    });
  }
  return parseConfig(text, absolute);
}

/** Validates config text; `file` names it in messages and anchors relative paths. */
export function parseConfig(text: string, file: string, defaultHost: string = hostname()): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const name = basename(file);
  const mistakes: ConfigMistake[] = [];
  for (const error of [...doc.errors, ...doc.warnings]) {
    const line = error.linePos?.[0].line ?? lineCounter.linePos(error.pos[0]).line;
    mistakes.push({ line, path: '', message: yamlMessage(error.message) });
  }
  if (mistakes.length === 0) {
    const data: unknown = doc.toJS() ?? {};
    const result = configSchema.safeParse(data);
    if (result.success) return resolveConfig(result.data, file, defaultHost);
    for (const issue of result.error.issues) mistakes.push(...describeIssue(issue, doc, lineCounter, data));
  }
  mistakes.sort((a, b) => a.line - b.line);
  const lines = mistakes.map((mistake) => `${name}:${mistake.line}: ${mistake.path === '' ? '' : `${mistake.path}: `}${mistake.message}`);
  throw new UserError('E_CONFIG', lines.length === 1 ? (lines[0] ?? '') : `${name} has ${lines.length} mistakes:\n  ${lines.join('\n  ')}`, {
    hints: [`fix ${file} (every key is described in docs/config.md)`],
    details: { file, mistakes },
  });
}

/** yaml's messages start with a capital and end with ", line x, column y" or a code frame: keep the first sentence. */
function yamlMessage(message: string): string {
  const first = (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
  return `not valid YAML: ${first.charAt(0).toLowerCase()}${first.slice(1)}`;
}

function describeIssue(issue: $ZodIssue, doc: Document, lineCounter: LineCounter, data: unknown): ConfigMistake[] {
  const path = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      line: lineOf(doc, lineCounter, [...path, key]),
      path: dotted([...path, key]),
      message: `unknown key "${key}"${suggest(key, issue.path.length === 0 ? TOP_KEYS : [])}`,
    }));
  }
  let message = issue.message;
  // the schema's messages are phrased for us; zod's generic ones (a wrong type in a union branch) are not
  if (/^Invalid input/.test(message)) message = valueAt(data, path) === undefined ? 'is required' : 'has the wrong type';
  return [{ line: lineOf(doc, lineCounter, path), path: dotted(path), message }];
}

const TOP_KEYS = ['sources', 'exclude', 'secrets', 'host', 'onsite', 'offsite', 'kit', 'drill'];

function suggest(key: string, known: readonly string[]): string {
  const lower = key.toLowerCase();
  const close = known.find((candidate) => candidate === lower || candidate.startsWith(lower.slice(0, 4)) || lower.startsWith(candidate));
  return close === undefined ? '' : ` (did you mean "${close}"?)`;
}

function dotted(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
  return out;
}

function valueAt(data: unknown, path: readonly (string | number)[]): unknown {
  let current = data;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}

/**
 * The 1-based line of the node at `path`: the value's line when the key exists (the key's line for a key
 * itself — the last segment of an unknown-key path), else the line of the deepest map that should hold it.
 */
function lineOf(doc: Document, lineCounter: LineCounter, path: readonly (string | number)[]): number {
  let node: unknown = doc.contents;
  let line = rangeLine(node, lineCounter) ?? 1;
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => keyText(item.key) === String(part));
      if (pair === undefined) return line;
      const keyLine = rangeLine(pair.key, lineCounter);
      if (keyLine !== undefined) line = keyLine;
      node = pair.value;
      // a scalar value's own line (it may sit below its key); for a block map or list the key's line reads best
      const valueLine = rangeLine(node, lineCounter);
      if (valueLine !== undefined && !isMap(node) && !isSeq(node)) line = valueLine;
    } else if (isSeq(node) && typeof part === 'number') {
      const item: unknown = node.items[part];
      if (item === undefined) return line;
      node = item;
      line = rangeLine(node, lineCounter) ?? line;
    } else {
      return line;
    }
  }
  return line;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' || typeof key === 'number' ? String(key) : undefined;
}

function rangeLine(node: unknown, lineCounter: LineCounter): number | undefined {
  const range = (node as YamlNode | null | undefined)?.range;
  return range ? lineCounter.linePos(range[0]).line : undefined;
}

function ms(text: string): number {
  const value = parseDuration(text);
  if (value === null) throw new Error(`unvalidated duration ${text}`);
  return value;
}

function parseSchedule(text: string | undefined, fallback: Schedule): Schedule {
  if (text === undefined) return fallback;
  if (text === 'hourly' || text === 'daily' || text === 'weekly') return { every: text };
  const match = /^(?:(daily|weekly) at )?(\d\d:\d\d)$/.exec(text);
  return { every: match?.[1] === 'weekly' ? 'weekly' : 'daily', at: match?.[2] ?? '03:00' };
}

function healthcheckUrls(value: string | HealthcheckUrls | undefined): HealthcheckUrls | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') {
    // healthchecks.io convention: the URL itself is success; /start and /fail signal the others
    const base = value.replace(/\/+$/, '');
    return { start: `${base}/start`, success: base, fail: `${base}/fail` };
  }
  return { ...value };
}

/** a hook command that hangs (a mount that waits for a disk) is stopped after this long */
const DEFAULT_HOOK_TIMEOUT = '5m';

type RawHooks = { before?: string[] | undefined; after?: string[] | undefined; failure?: string[] | undefined; timeout?: string | undefined };

function jobHooks(raw: RawHooks | undefined): { hooks?: JobHooks } {
  if (raw === undefined) return {};
  const timeoutText = raw.timeout ?? DEFAULT_HOOK_TIMEOUT;
  return { hooks: { before: raw.before ?? [], after: raw.after ?? [], failure: raw.failure ?? [], timeout: ms(timeoutText), timeoutText } };
}

function resolveConfig(raw: RawConfig, file: string, defaultHost: string): Config {
  const base = dirname(file);
  const config: Config = {
    file,
    host: raw.host ?? defaultHost,
    sources: raw.sources.map((source) => resolvePath(source, base)),
    exclude: raw.exclude ?? [],
  };
  if (raw.secrets !== undefined) config.secrets = resolvePath(raw.secrets, base);
  if (raw.onsite) {
    // the keys the owner leaves out keep the one set of defaults (src/core/retention.ts)
    const given = raw.onsite.keep ?? {};
    const onsiteKeep: OnsiteKeep = {
      all: given.all === undefined ? DEFAULT_RETENTION.all : ms(given.all),
      daily: given.daily === undefined ? DEFAULT_RETENTION.daily : ms(given.daily),
      weekly: given.weekly === undefined ? DEFAULT_RETENTION.weekly : ms(given.weekly),
      monthly: given.monthly === undefined ? DEFAULT_RETENTION.monthly : given.monthly === 'forever' ? null : ms(given.monthly),
    };
    const target = raw.onsite.target;
    const parsed = parseTargetSpec(target);
    const remote = parsed.ok && parsed.spec.kind === 'remote';
    const maxAgeText = raw.onsite.maxAge ?? DEFAULT_MAX_AGE.onsite;
    config.onsite = {
      target: remote ? target : resolvePath(target, base),
      keep: onsiteKeep,
      maxAge: ms(maxAgeText),
      maxAgeText,
      schedule: parseSchedule(raw.onsite.schedule, { every: 'hourly' }),
    };
    const hc = healthcheckUrls(raw.onsite.healthcheck);
    if (hc) config.onsite.healthcheck = hc;
    Object.assign(config.onsite, jobHooks(raw.onsite.hooks));
    if (raw.onsite.removable === false) config.onsite.removable = false;
    if (raw.onsite.removable !== undefined && raw.onsite.removable !== false) {
      if (remote) throw new UserError('E_CONFIG', `${basename(file)}: onsite.removable: applies to a local target only, not ${target}`, { hints: [`remove onsite.removable from ${file}`] });
      config.onsite.removable = raw.onsite.removable === true ? config.onsite.target : resolvePath(raw.onsite.removable, base);
      const inside = relative(config.onsite.removable, config.onsite.target);
      if (inside.startsWith('..') || isAbsolute(inside)) {
        throw new UserError('E_CONFIG', `${basename(file)}: onsite.removable: the target ${config.onsite.target} is not under the mount point ${config.onsite.removable}`, {
          hints: ['set onsite.removable to the folder the disk is mounted on (e.g. /media/usb), or to true when the target is that folder'],
        });
      }
    }
    if (raw.onsite.ssh) {
      config.onsite.ssh = {
        ...(raw.onsite.ssh.port === undefined ? {} : { port: raw.onsite.ssh.port }),
        ...(raw.onsite.ssh.identityFile === undefined ? {} : { identityFile: resolvePath(raw.onsite.ssh.identityFile, base) }),
      };
    }
  }
  if (raw.offsite) {
    const repository = raw.offsite.repository;
    const isUrl = /^[a-z][a-z0-9]*:/.test(repository);
    const maxAgeText = raw.offsite.maxAge ?? DEFAULT_MAX_AGE.offsite;
    config.offsite = {
      repository: isUrl ? repository : resolvePath(repository, base),
      keep: raw.offsite.keep ?? { ...DEFAULT_OFFSITE_KEEP },
      maxAge: ms(maxAgeText),
      maxAgeText,
      schedule: parseSchedule(raw.offsite.schedule, { every: 'daily', at: '03:00' }),
      tags: raw.offsite.tags ?? [],
      retries: raw.offsite.retries ?? 3,
      giveUpAfter: ms(raw.offsite.giveUpAfter ?? '5m'),
    };
    if (raw.offsite.passwordCommand !== undefined) config.offsite.passwordCommand = raw.offsite.passwordCommand;
    if (raw.offsite.cacert !== undefined) config.offsite.cacert = resolvePath(raw.offsite.cacert, base);
    const hc = healthcheckUrls(raw.offsite.healthcheck);
    if (hc) config.offsite.healthcheck = hc;
    Object.assign(config.offsite, jobHooks(raw.offsite.hooks));
    if (raw.offsite.check !== false) {
      const check = raw.offsite.check ?? {};
      const checkMaxAge = check.maxAge ?? DEFAULT_CHECK.maxAge;
      config.offsite.check = {
        schedule: parseSchedule(check.schedule, DEFAULT_CHECK.schedule),
        maxAge: ms(checkMaxAge),
        maxAgeText: checkMaxAge,
        ...(check.readDataSubset === undefined ? {} : { readDataSubset: check.readDataSubset }),
        ...jobHooks(check.hooks),
      };
    }
  }
  if (raw.kit) {
    const maxAgeText = raw.kit.maxAge ?? DEFAULT_KIT_MAX_AGE;
    config.kit = {
      ...(raw.kit.owner === undefined ? {} : { owner: raw.kit.owner }),
      ...(raw.kit.notes === undefined || raw.kit.notes.trim() === '' ? {} : { notes: raw.kit.notes }),
      ...(raw.kit.onsite === undefined ? {} : { onsite: raw.kit.onsite }),
      maxAge: ms(maxAgeText), maxAgeText,
    };
  }
  if (raw.drill !== undefined) {
    const maxAgeText = raw.drill.maxAge ?? '92d';
    config.drill = { maxAge: ms(maxAgeText), maxAgeText, ...(raw.drill.kit === undefined ? {} : { kit: resolvePath(raw.drill.kit, base) }), ...(raw.drill.schedule === undefined ? {} : { schedule: raw.drill.schedule }) };
  }
  return config;
}
