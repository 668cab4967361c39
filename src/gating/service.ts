/** The I/O around the pure engine: the store read, Koji, remote rule files, and the loaded policies. */
import type { GatingConfig } from '../config/config.ts';
import type { Store } from '../store/connection.ts';
import { nowMicros } from '../results/times.ts';
import { DecisionCache, decisionCacheKey, validUntil } from './decisionCache.ts';
import { evaluate, DecisionError, type Decision, type Facts, type GatingSettings } from './engine.ts';
import { KojiClient } from './koji.ts';
import type { KojiBuildFact, Policy, RemoteFileFact, SubjectType } from './model.ts';
import { loadPolicyDir } from './policyLoader.ts';
import { fetchRemoteFile } from './remoteFiles.ts';
import type { DecisionRequest } from './request.ts';
import { factsToken, latestResultsOf, waiversOf } from './store.ts';
import { mergeSubjectTypes, subjectType } from './subjects.ts';

export interface Gating {
  store: Store;
  settings: GatingSettings;
  subjectTypes: SubjectType[];
  /** The policies in force; replaced as a whole on reload, so a running decision keeps its set. */
  policies: Policy[];
  policyDir: string | null;
  koji: KojiClient | null;
  fetchFile: (url: string) => Promise<RemoteFileFact>;
  cache: DecisionCache;
}

export interface GatingOptions {
  store: Store;
  config: GatingConfig;
  /** Directory of policy files; null = no policies unless given. */
  policyDir: string | null;
  /** Policies given directly (tests); otherwise read from policyDir. */
  policies?: Policy[];
}

/** Loads the policies (a PolicyError names the bad file) and prepares the clients. */
export function createGating(o: GatingOptions): Gating {
  const c = o.config;
  return {
    store: o.store,
    settings: { outcomes: c.outcomes, remoteRulePolicies: c.remoteRulePolicies, distGitUrlTemplate: c.distGitUrlTemplate, kojiUrl: c.kojiUrl },
    subjectTypes: mergeSubjectTypes(c.subjectTypes.map(subjectType)),
    policies: o.policies ?? (o.policyDir ? loadPolicyDir(o.policyDir) : []),
    policyDir: o.policyDir,
    koji: c.kojiUrl ? new KojiClient({ url: c.kojiUrl, timeoutMs: c.kojiTimeoutMs }) : null,
    fetchFile: (url) => fetchRemoteFile(url, { timeoutMs: c.remoteRuleTimeoutMs }),
    cache: new DecisionCache(c.decisionCacheBytes),
  };
}

/** Reads the policy directory again; on any error the policies in force stay and the error is thrown. */
export function reloadPolicies(g: Gating): number {
  if (!g.policyDir) return g.policies.length;
  g.policies = loadPolicyDir(g.policyDir);
  return g.policies.length;
}

// Each round may reveal one more fact (a Koji build, then the next URL of a template list).
const MAX_ROUNDS = 32;

/**
 * The decision's answer as sent (`render` writes it). A repeated plain question is answered from the cache
 * when the store's token for its subjects is unchanged; one that needed Koji or a remote file is
 * always computed, since those facts live outside the store.
 */
export async function decisionBytes(g: Gating, req: DecisionRequest, body: Record<string, unknown>, render: (d: Decision) => Buffer): Promise<Buffer> {
  const key = g.cache.enabled ? decisionCacheKey(req, body) : null;
  const token = key === null ? null : await factsToken(g.store, req.query.subjects, req.query.productVersion);
  // The set in force now; a reload meanwhile leaves this decision on it, and its entry unused.
  const policies = g.policies;
  if (key === null || token === null) return render((await decide(g, req, policies)).decision);
  const cached = g.cache.get(key, token, policies, nowMicros());
  if (cached !== undefined) return cached;
  const { decision, facts, now } = await decide(g, req, policies);
  const bytes = render(decision);
  if (!facts.koji.size && !facts.files.size) g.cache.set(key, token, policies, validUntil(facts.waivers, now), bytes);
  return bytes;
}

/** One store read for results and waivers, then the engine, fetching the Koji builds and files it asks for. */
async function decide(g: Gating, req: DecisionRequest, serverPolicies: readonly Policy[]): Promise<{ decision: Decision; facts: Facts; now: number }> {
  const q = req.query;
  const now = nowMicros();
  const policies = req.onDemand ? [req.onDemand] : serverPolicies;
  const [results, waivers] = await Promise.all([
    latestResultsOf(g.store, q.subjects, q.when),
    waiversOf(g.store, q.subjects, q.productVersion, q.when),
  ]);
  const koji = new Map<string, KojiBuildFact>();
  const files = new Map<string, RemoteFileFact>();
  const facts: Facts = { results, waivers, koji, files };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const e = evaluate(policies, q, facts, g.settings, now);
    if (e.kind === 'decision') return { decision: e.decision, facts, now };
    await Promise.all([
      ...e.koji.map(async (nvr) => koji.set(nvr, await kojiBuild(g, nvr))),
      ...e.files.map(async (url) => files.set(url, await g.fetchFile(url))),
    ]);
  }
  throw new DecisionError(502, 'Too many remote lookups for one decision');
}

function kojiBuild(g: Gating, nvr: string): Promise<KojiBuildFact> {
  if (!g.koji) return Promise.resolve({ kind: 'error', status: 502, message: 'Error connecting to upstream server: no Koji URL configured (gating.koji_url)' });
  return g.koji.getBuild(nvr);
}
