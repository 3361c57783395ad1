import type { FuzzSummary, ViolationLine } from '../../fuzz/report.ts';
import { runFuzz, type FuzzOptions } from '../../fuzz/run.ts';

/**
 * A fuzz run, with the text an assertion shows when it fails: the outcome, what failed and the
 * cases behind it, and the first violations.
 */
export async function reportedRun(options: FuzzOptions & { readonly seed: string }): Promise<{ summary: FuzzSummary; report: string }> {
  const violations: ViolationLine[] = [];
  const summary = await runFuzz({
    ...options,
    onLine: (line) => {
      if (line.type === 'violation') violations.push(line);
    },
  });
  const report = [
    `seed ${options.seed}: ${summary.framesSent} frames in ${summary.cases} cases, ${summary.batches} batches, ${Math.round(summary.elapsedMs / 1000)} s, stopped by ${summary.stoppedBy}${summary.fatal ? ` (${summary.fatal})` : ''}`,
    ...summary.failures.map((f) => `${f.check}: ${f.what} x${f.count}, caused by ${Object.entries(f.causedByKinds).map(([k, n]) => `${k} x${n}`).join(', ')}`),
    ...violations.slice(0, 5).map((v) => `e.g. batch ${v.batch}: ${v.message}${v.causedBy ? ` <- case ${v.causedBy.index} ${v.causedBy.kind} (${v.causedBy.auth}, ${v.causedBy.datasetId}): ${v.causedBy.detail}` : ''}`),
  ].join('\n');
  return { summary, report };
}
