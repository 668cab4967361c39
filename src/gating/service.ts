/** The I/O around the pure engine: the store read, Koji, remote rule files, and the loaded policies. */
import type { GatingConfig } from '../config/config.ts';
import type { Store } from '../store/connection.ts';
import { nowMicros } from '../results/times.ts';
import { evaluate, DecisionError, type Decision, type Facts, type GatingSettings } from './engine.ts';
import { KojiClient } from './koji.ts';
import type { KojiBuildFact, Policy, RemoteFileFact, SubjectType } from './model.ts';
import { loadPolicyDir } from './policyLoader.ts';
import { fetchRemoteFile } from './remoteFiles.ts';
import type { DecisionRequest } from './request.ts';
import { latestResultsOf, waiversOf } from './store.ts';
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

/** One store read for results and waivers, then the engine, fetching the Koji builds and files it asks for. */
export async function makeDecision(g: Gating, req: DecisionRequest): Promise<Decision> {
  const q = req.query;
  const now = nowMicros();
  const policies = req.onDemand ? [req.onDemand] : g.policies;
  const [results, waivers] = await Promise.all([
    latestResultsOf(g.store, q.subjects, q.when),
    waiversOf(g.store, q.subjects, q.productVersion, q.when),
  ]);
  const koji = new Map<string, KojiBuildFact>();
  const files = new Map<string, RemoteFileFact>();
  const facts: Facts = { results, waivers, koji, files };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const e = evaluate(policies, q, facts, g.settings, now);
    if (e.kind === 'decision') return e.decision;
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
