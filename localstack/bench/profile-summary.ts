/**
 * Summarises a V8 CPU profile (`node --cpu-prof`) for the bench's hot-path analysis: where the
 * samples fell, by area (a package, a `lib/` folder, Node internals, GC, idle), by function (self
 * time) and by function including its callees (inclusive time, each sample counted once per frame).
 *
 * Usage: `npx tsx localstack/bench/profile-summary.ts <file.cpuprofile> [top=25]`.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self and inclusive milliseconds per key. */
export interface ProfileTables {
  totalMs: number;
  byArea: [string, number][];
  selfByFunction: [string, number][];
  inclusiveByFunction: [string, number][];
  /** With `under`: the time below the first frame whose key contains it, by the frame just below. */
  breakdown: [string, number][];
}

/**
 * Reads a `.cpuprofile` and tallies it.
 *
 * @example
 * ```ts
 * const tables = summariseProfile(JSON.parse(readFileSync(file, 'utf8')));
 * ```
 */
export function summariseProfile(profile: CpuProfile, under?: string): ProfileTables {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const areas = new Map<string, number>();
  const breakdown = new Map<string, number>();
  let totalMs = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    totalMs += ms;
    const node = byId.get(id);
    if (!node) return;
    add(self, frameKey(node), ms);
    add(areas, areaOf(node), ms);
    const seen = new Set<string>();
    let below = '(self)';
    let counted = under === undefined;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at);
      if (!frame) break;
      const key = frameKey(frame);
      if (!counted && key.includes(under as string)) {
        add(breakdown, below, ms);
        counted = true;
      }
      below = key;
      if (!seen.has(key)) {
        seen.add(key);
        add(inclusive, key, ms);
      }
    }
  });
  const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]);
  return {
    totalMs,
    byArea: sorted(areas),
    selfByFunction: sorted(self),
    inclusiveByFunction: sorted(inclusive),
    breakdown: sorted(breakdown),
  };
}

function add(map: Map<string, number>, key: string, ms: number) {
  map.set(key, (map.get(key) ?? 0) + ms);
}

function frameKey(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  return `${functionName || '(anonymous)'} ${shortUrl(url)}${url ? `:${lineNumber + 1}` : ''}`;
}

function shortUrl(url: string): string {
  const inModules = url.lastIndexOf('node_modules/');
  if (inModules >= 0) return url.slice(inModules + 'node_modules/'.length);
  const inRepo = url.search(/\/(lib|functions|localstack|test)\//);
  return inRepo >= 0 ? url.slice(inRepo + 1) : url;
}

function areaOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (!url) return functionName.startsWith('(') ? functionName : `(native) ${functionName}`;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const inModules = url.lastIndexOf('node_modules/');
  if (inModules >= 0) {
    const rest = url.slice(inModules + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  const inRepo = /\/((lib|functions|localstack|test)\/[^/]+)/.exec(url);
  return inRepo?.[1] ?? url;
}

if (process.argv[1]?.endsWith('profile-summary.ts')) {
  const [file, topText, under] = process.argv.slice(2);
  if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top] [function to break down]');
  const top = Number(topText ?? 25);
  const tables = summariseProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, under);
  if (under) {
    show(`below ${under}`, tables.breakdown);
    process.exit(0);
  }
  function show(title: string, rows: [string, number][]) {
    console.log(`\n${title}`);
    for (const [key, ms] of rows.slice(0, top)) {
      console.log(
        `${ms.toFixed(0).padStart(8)} ms ${((ms / tables.totalMs) * 100).toFixed(1).padStart(5)} %  ${key}`,
      );
    }
  }
  console.log(`total ${tables.totalMs.toFixed(0)} ms sampled`);
  show('by area (self)', tables.byArea);
  show('by function (self)', tables.selfByFunction);
  show('by function (inclusive)', tables.inclusiveByFunction);
}
