import { isValidDatasetId, type DatasetId } from '../../../src/core/dataset-id.ts';
import { isInstanceOf, isTemplatePattern, parseTemplate, type DatasetTemplate } from '../../../src/core/dataset-template.ts';
import { isSluiceError, SluiceError } from '../../../src/core/errors.ts';
import type { ServedDatasets } from '../../../src/sync/peer-identity.ts';

/**
 * What an edge hub serves, read the same way by the router and by the objects: datasets named by
 * id, and templates (`user/{sub}`) whose instances (`user/u123`) are made per identity, each served
 * by an object of its own. Which template an instance belongs to is decided here only, so the
 * router grants by the same template whose options the object then applies.
 */
export class EdgeDatasets implements ServedDatasets {
  private readonly ids: ReadonlySet<DatasetId>;
  private readonly templates: readonly DatasetTemplate[];

  /**
   * `keys` as configured (ids and template patterns); `field` names where they came from in the
   * `invalid_options` thrown for a key that is neither.
   */
  constructor(keys: Iterable<string>, field: string) {
    const ids = new Set<DatasetId>();
    const templates: DatasetTemplate[] = [];
    for (const key of keys) {
      if (isTemplatePattern(key)) templates.push(templateOrThrow(key, field));
      else if (isValidDatasetId(key)) ids.add(key);
      else throw new SluiceError('invalid_options', `${field}: ${JSON.stringify(key).slice(0, 80)} is neither a dataset id (e.g. "primary") nor a template (e.g. "user/{sub}").`, { field });
    }
    this.ids = ids;
    this.templates = templates;
  }

  /** Named by id, or an instance of a template. An invalid id is never served, whatever it resembles. */
  has(datasetId: DatasetId): boolean {
    return this.ids.has(datasetId) || this.templateOf(datasetId) !== undefined;
  }

  /** The first template, in configuration order, that `datasetId` is an instance of: the one a Node hub would pick. */
  templateOf(datasetId: DatasetId): DatasetTemplate | undefined {
    if (!isValidDatasetId(datasetId)) return undefined;
    return this.templates.find((template) => isInstanceOf(template, datasetId));
  }
}

function templateOrThrow(pattern: string, field: string): DatasetTemplate {
  try {
    return parseTemplate(pattern);
  } catch (error) {
    // parseTemplate names the field as a Node hub's createNode option; here it came from `field`.
    if (isSluiceError(error, 'invalid_options')) throw new SluiceError('invalid_options', `${field}: ${error.message}`, { field });
    throw error;
  }
}
