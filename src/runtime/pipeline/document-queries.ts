import type { JsonValue } from '../../core/json.ts';
import { assertCollection } from '../../core/names.ts';
import type { DocumentStore } from '../../store/document-store.ts';
import { normalizeIndexes, type IndexSpec } from '../../store/query/index-spec.ts';
import { explainPlan, planQuery, type QueryExplanation, type QueryPlan } from '../../store/query/plan.ts';
import type { NormalizedQuery } from '../../store/query/query-spec.ts';

/** A collection this large, queried without an index, is worth a warning: every such query reads all of it. */
export const LARGE_COLLECTION = 5_000;
const RESAMPLE_MS = 60_000;

/**
 * One dataset's query side: the indexes its collections declared, plans over them, and the
 * storage that runs the plans. Queries arrive already checked (normalizeQuery, where the app
 * called query()), so this only plans and runs them.
 */
export class DocumentQueries {
  private readonly declared = new Map<string, IndexSpec[]>();
  private readonly pending = new Map<string, Promise<void>>();
  private readonly warned = new Set<string>();
  /** When each collection's size was last sampled for the warning. */
  private readonly sampled = new Map<string, number>();

  constructor(
    private readonly documents: DocumentStore,
    private readonly datasetId: string,
    private readonly warn: (message: string) => void = (m) => console.warn(m),
  ) {}

  /** Adds `indexes` (field lists) to the collection's; storage indexes what it already holds before this resolves. */
  async declare(collection: string, indexes: readonly (readonly string[])[]): Promise<void> {
    const c = assertCollection(collection);
    const specs = normalizeIndexes(indexes.map((i) => [...i]));
    const known = this.declared.get(c) ?? [];
    const added = specs.filter((s) => !known.some((k) => k.name === s.name));
    if (added.length === 0) return this.pending.get(c);
    this.declared.set(c, [...known, ...added]);
    const previous = this.pending.get(c) ?? Promise.resolve();
    const ensured = previous
      .catch(() => undefined)
      .then(() => this.documents.ensureIndexes(c, added))
      .catch((error: unknown) => {
        // Not built: plan without them (and let a later declaration try again), and say why once.
        this.declared.set(c, (this.declared.get(c) ?? []).filter((s) => !added.includes(s)));
        if (this.pending.get(c) === ensured) this.pending.delete(c);
        throw error;
      });
    this.pending.set(c, ensured);
    return ensured;
  }

  async run(collection: string, query: NormalizedQuery): Promise<{ key: string; value: JsonValue }[]> {
    const plan = await this.plan(collection, query);
    const rows = await this.documents.query(plan.c, plan.plan);
    if (plan.plan.index === null && (query.conditions.length > 0 || query.orderBy.length > 0)) void this.warnIfLarge(plan.c, query);
    return rows as { key: string; value: JsonValue }[];
  }

  async explain(collection: string, query: NormalizedQuery): Promise<QueryExplanation> {
    return explainPlan((await this.plan(collection, query)).plan);
  }

  private async plan(collection: string, query: NormalizedQuery): Promise<{ c: string; plan: QueryPlan }> {
    const c = assertCollection(collection);
    // Indexes still being built are not used yet, so wait for them: a query right after
    // collection() must not scan, or warn, for an index that is a moment away. One that failed to
    // build is left out of the plan (its declare() call reported the failure).
    await this.pending.get(c)?.catch(() => undefined);
    return { c, plan: planQuery(query, this.declared.get(c) ?? []) };
  }

  /** Once per collection; a small one is sampled again at most every RESAMPLE_MS, and counting costs a bounded read of LARGE_COLLECTION + 1 keys. */
  private async warnIfLarge(collection: string, query: NormalizedQuery): Promise<void> {
    const now = Date.now();
    if (this.warned.has(collection) || now - (this.sampled.get(collection) ?? -Infinity) < RESAMPLE_MS) return;
    this.sampled.set(collection, now);
    const sample = await this.documents.list(collection, { limit: LARGE_COLLECTION + 1 }).catch(() => []);
    if (sample.length <= LARGE_COLLECTION) return;
    this.warned.add(collection);
    const fields = [...new Set([...query.conditions.map((c) => c.field), ...query.orderBy.map((k) => k.field)])];
    this.warn(
      `sluice: a query on ${this.datasetId}/${collection} (more than ${LARGE_COLLECTION} documents) uses no index and reads the whole collection. ` +
        `Declare one: collection('${collection}', { indexes: [${fields.map((f) => `'${f}'`).join(', ')}] }). This is reported once per collection.`,
    );
  }
}
