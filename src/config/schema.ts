/**
 * The config file's schema. Every key is documented in docs/config.md; keep the two in step. Objects are strict:
 * an unknown key is a mistake (usually a typo) and is reported with its line, never silently ignored.
 *
 * Messages are phrased to follow "config.yaml:12: onsite.target: " — they say what the value must be.
 */
import { z } from 'zod';
import { parseDuration } from './duration.js';
import { parseTargetSpec, TARGET_SPEC_RULE } from '../core/target-spec.js';

type IssueInput = { input?: unknown };
/** "is required" when the key is absent, else the rule the value broke. */
const rule = (text: string) => (issue: IssueInput): string => (issue.input === undefined ? 'is required' : text);

const RESTIC_SCHEMES = ['local', 'sftp', 'rest', 's3', 'b2', 'azure', 'gs', 'swift', 'rclone'] as const;

const text = (what: string) => z.string({ error: rule(what) }).trim().min(1, { error: what });

const duration = z.string({ error: rule('must be a duration such as "26h", "8d" or "2w"') })
  .refine((value) => parseDuration(value) !== null, { error: 'must be a duration such as "26h", "8d" or "2w" (units s, m, h, d, w, y)' });

const url = z.string({ error: rule('must be an http:// or https:// URL') })
  .refine((value) => /^https?:\/\/[^\s/]+/.test(value) && URL.canParse(value), { error: 'must be an http:// or https:// URL' });

const healthcheck = z.union([
  url,
  z.strictObject({ start: url.optional(), success: url.optional(), fail: url.optional() }, { error: rule('must be a URL or a map of start/success/fail URLs') }),
], { error: 'must be a URL (healthchecks.io style: /start and /fail are added) or a map with start, success and fail URLs' });

const schedule = z.string({ error: rule('must be "hourly", "daily", "weekly", or a time of day "HH:MM"') })
  .regex(/^(?:hourly|daily|weekly|(?:daily|weekly) at (?:[01]\d|2[0-3]):[0-5]\d|(?:[01]\d|2[0-3]):[0-5]\d)$/, {
    error: 'must be "hourly", "daily", "weekly", "daily at HH:MM", "weekly at HH:MM" or "HH:MM"',
  });

const commands = z.array(text('must be a shell command (run with /bin/sh -c)'), { error: rule('must be a list of shell commands') });

/** before/after/failure commands of a job (src/jobs/hooks.ts); each list runs in order */
const hooks = z.strictObject({
  before: commands.optional(),
  after: commands.optional(),
  failure: commands.optional(),
  timeout: duration.optional(),
}, { error: rule('must be a map with before, after and failure (lists of shell commands) and timeout') });

const count = z.number({ error: rule('must be a whole number of snapshots') }).int({ error: 'must be a whole number of snapshots' })
  .positive({ error: 'must be at least 1' });

const onsiteKeep = z.strictObject({
  all: duration.optional(),
  daily: duration.optional(),
  weekly: duration.optional(),
  monthly: z.union([z.literal('forever'), duration], { error: 'must be "forever" or a duration such as "5y"' }).optional(),
}, { error: rule('must be a map with all, daily, weekly and monthly durations') });

const offsiteKeep = z.strictObject({
  last: count.optional(),
  hourly: count.optional(),
  daily: count.optional(),
  weekly: count.optional(),
  monthly: count.optional(),
  yearly: count.optional(),
  within: z.string({ error: rule('must be a restic duration such as "1y6m" (y, m = months, d, h)') })
    .regex(/^(?:\d+[ymdh])+$/, { error: 'must be a restic duration such as "1y6m" (y, m = months, d, h)' }).optional(),
}, { error: rule('must be a map of restic keep rules (last, hourly, daily, weekly, monthly, yearly, within)') })
  .refine((keep) => Object.keys(keep).length > 0, { error: 'must name at least one keep rule, or restic would forget every snapshot' });

const onsite = z.strictObject({
  target: text(TARGET_SPEC_RULE).refine((value) => parseTargetSpec(value).ok, { error: TARGET_SPEC_RULE }),
  keep: onsiteKeep.optional(),
  maxAge: duration.optional(),
  schedule: schedule.optional(),
  healthcheck: healthcheck.optional(),
  hooks: hooks.optional(),
  removable: z.union([z.boolean(), text('must be true, false or the mount point of the disk')],
    { error: 'must be true (the target is a mount point), false, or the mount point the target is under' }).optional(),
  ssh: z.strictObject({
    port: z.number({ error: rule('must be a port number') }).int().min(1, { error: 'must be a port number' }).max(65535, { error: 'must be a port number' }).optional(),
    identityFile: text('must be the path of an ssh private key').optional(),
  }, { error: rule('must be a map with port and identityFile') }).optional(),
}, { error: rule('must be a map with at least a target') });

const offsite = z.strictObject({
  repository: text('must be a restic repository: a path or a URL such as rest:https://host/repo or s3:https://host/bucket')
    .refine((value) => {
      const scheme = /^([a-z][a-z0-9]*):(?!\\)/.exec(value)?.[1];
      return scheme === undefined || (RESTIC_SCHEMES as readonly string[]).includes(scheme);
    }, { error: `must be a path or a restic repository URL (${RESTIC_SCHEMES.map((scheme) => `${scheme}:`).join(', ')})` }),
  keep: offsiteKeep.optional(),
  maxAge: duration.optional(),
  schedule: schedule.optional(),
  passwordCommand: text('must be a command that prints the repository password').optional(),
  cacert: text('must be the path of a PEM file of CA certificates').optional(),
  retries: z.number({ error: rule('must be a whole number of retries (0 or more)') }).int({ error: 'must be a whole number of retries (0 or more)' })
    .min(0, { error: 'must be a whole number of retries (0 or more)' }).max(10, { error: 'must be at most 10' }).optional(),
  giveUpAfter: duration.optional(),
  tags: z.array(text('must be a tag name without commas').refine((tag) => !tag.includes(','), { error: 'must be a tag name without commas' }),
    { error: rule('must be a list of tags') }).optional(),
  healthcheck: healthcheck.optional(),
  hooks: hooks.optional(),
  check: z.union([
    z.literal(false),
    z.strictObject({
      schedule: schedule.optional(),
      readDataSubset: z.string({ error: rule('must be a share of the data such as "5%", "1/10" or "500M"') })
        .regex(/^(?:(?:100|[1-9]?\d)(?:\.\d+)?%|[1-9]\d*\/[1-9]\d*|[1-9]\d*[KMGT]?)$/, { error: 'must be a share of the data such as "5%", "1/10" or "500M"' }).optional(),
      maxAge: duration.optional(),
      hooks: hooks.optional(),
    }, { error: rule('must be false or a map with schedule, readDataSubset, maxAge and hooks') }),
  ], { error: 'must be false (no repository check) or a map with schedule, readDataSubset, maxAge and hooks' }).optional(),
}, { error: rule('must be a map with at least a repository') });

/** what `drkit kit create --config` puts in the kit besides the repository's credentials (docs/config.md) */
const kit = z.strictObject({
  owner: text('must be the name printed on the kit as its owner').optional(),
  notes: z.string({ error: rule('must be text for the restorer (line breaks are fine)') }).optional(),
  onsite: text('must describe where the onsite copy is, for the restorer').optional(),
  maxAge: duration.optional(),
}, { error: rule('must be a map with owner, notes, onsite and maxAge') });

export const configSchema = z.strictObject({
  sources: z.array(text('must be a path'), { error: rule('must be a list of folders or files to back up') })
    .min(1, { error: 'must list at least one folder or file to back up' }),
  exclude: z.array(text('must be a pattern'), { error: rule('must be a list of patterns') }).optional(),
  secrets: text('must be the path of the secrets file').optional(),
  host: text('must be a host name').regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { error: 'must be a host name (letters, digits, ".", "_", "-")' }).optional(),
  onsite: onsite.optional(),
  offsite: offsite.optional(),
  kit: kit.optional(),
  drill: z.strictObject({
    maxAge: duration.optional(),
    kit: text('must be the kit folder (sheet PDFs and guide.pdf)').optional(),
    // the scheduled drill (docs/config.md): monthly, on the kit copy `kit create --config` keeps in the state folder
    schedule: z.enum(['monthly', 'none'], { error: 'must be "monthly" or "none"' }).optional(),
  }, { error: rule('must be a map with schedule, kit and maxAge') }).optional(),
}, { error: rule('must be a map of settings (sources, onsite, offsite, ...)') })
  .refine((config) => config.onsite !== undefined || config.offsite !== undefined, {
    error: 'must configure at least one job: onsite or offsite',
  });

export type RawConfig = z.infer<typeof configSchema>;
